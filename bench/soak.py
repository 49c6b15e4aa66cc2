"""Talkback's soak: `python bench/soak.py` (see bench/README.md). Not a test.

Ten minutes (`--minutes`) of mixed load on one gunicorn (the site's gunicorn.conf.py, CPU-count
workers) over a temporary SQLite database, all at once: readers (wrk on an article of 100
comments), posters (wrk posting distinct comments as htmx does), the live counter (wrk), and a
moderator deciding in the dashboard (approving the oldest pending comment, over and over). Every
minute it reports each stream's requests, errors, p50 and p99, and each worker's memory; at the end
the totals, and whether any error happened (the figure to watch: 0). Only 127.0.0.1 is loaded.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (the bench's servers, wrk, seeding and browsing helpers)

APPROVE = re.compile(r'name="approve" value="(\d+:\d+)"')


class Moderator(threading.Thread):
    """Approves the oldest pending comment of the posting article, as fast as the dashboard lets it,
    through the one #decide form of the queue page (as a browser would)."""

    def __init__(self, browser: bench.Browser, article_id: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.browser, self.article_id, self.stop = browser, article_id, stop
        self.decisions = self.conflicts = self.errors = self.pages = 0
        self.lock = threading.Lock()

    def take(self) -> dict[str, int]:
        with self.lock:
            counts = {"pages": self.pages, "decisions": self.decisions, "conflicts": self.conflicts,
                      "errors": self.errors}
            self.pages = self.decisions = self.conflicts = self.errors = 0
        return counts

    def run(self) -> None:
        queue = f"/moderation/?article={self.article_id}"
        while not self.stop.is_set():
            try:
                page = self.browser.get(queue)
                found = APPROVE.search(page)
                with self.lock:
                    self.pages += 1
                if not found:
                    time.sleep(0.2)
                    continue
                decide = bench.parse(page).forms["decide"]
                status, _ = self.browser.post(decide["action"],
                                              {**bench.hidden_fields(decide), "approve": found.group(1)})
                with self.lock:
                    if status == 409:
                        self.conflicts += 1  # decided already: a moderator's ordinary race
                    elif status >= 400:
                        self.errors += 1
                    else:
                        self.decisions += 1
            except (urllib.error.URLError, ConnectionError, KeyError, OSError):
                with self.lock:
                    self.errors += 1
                time.sleep(0.2)


def drive(results: dict, name: str, spec: tuple, seconds: float, tag: str) -> None:
    """One stream's wrk for one slice, its report into `results`."""
    url, lua, connections, headers, args = spec
    results[name] = bench.wrk(url, seconds, script=lua, connections=connections, threads=1,
                              headers=headers, args=[*args, tag] if args is not None else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="how long (default 10)")
    parser.add_argument("--slice", type=float, default=60, help="seconds per report line (default 60)")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="talkback-soak-"))
    env = bench.make_env(tmp / "instance")
    slices = max(1, round(opts.minutes * 60 / opts.slice))
    report = (bench.BENCH / "report.lua").read_text()
    site = None
    stop = threading.Event()
    lines: list[dict] = []
    try:
        app = bench.seed_app(env)
        ids = bench.seed(app, pending=0)
        site = bench.Server("app:create_app()", env, tmp / "talkback.log")
        site.wait_ready("/articles/bench-0")
        base = site.base

        def script(name: str, prelude: str = "") -> Path:
            path = tmp / f"{name}.lua"
            path.write_text(prelude + "\n" + report)
            return path

        form = bench.parse(bench.Browser(base).get("/articles/bench-post")).forms["comment-form"]
        post = script("post", (f"form = {json.dumps(urllib.parse.urlencode(bench.hidden_fields(form)))}\n"
                               f"path = \"/articles/bench-post/comments\"\n"
                               f"body_text = {json.dumps(urllib.parse.quote_plus(bench.COMMENT_BODY))}\n")
                      + (bench.BENCH / "post.lua").read_text())
        body = urllib.parse.urlencode({"body": bench.COUNTER_TEXT})
        counter = script("counter", f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n")
        plain = script("plain")
        streams = {
            "readers": (f"{base}/articles/bench-100", plain, 4, None, None),
            "posters": (f"{base}/articles/bench-post/comments", post, 2, {"Origin": base}, []),
            "counter": (f"{base}/comments/counter", counter, 2,
                        {"Origin": base, "HX-Request": "true",
                         "Content-Type": "application/x-www-form-urlencoded"}, None),
        }
        browser, why = bench.moderator_login(app, base)
        if browser is None:
            raise RuntimeError(f"the moderator could not log in: {why}")
        moderator = Moderator(browser, ids["bench-post"], stop)
        moderator.start()
        start_rss = site.worker_rss_mib()
        print(f"Talkback soak: {slices} × {opts.slice:g}s, {bench.cpu_count()} gunicorn workers; "
              f"readers, posters, counter (wrk) and a moderator at once; temp dir {tmp}", flush=True)
        print(f"  worker memory at start: {start_rss} MiB", flush=True)
        for n in range(slices):
            results: dict[str, dict] = {}
            workers = [threading.Thread(target=drive, args=(results, name, spec, opts.slice, f"s{n}"))
                       for name, spec in streams.items()]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            decided = moderator.take()
            line = {"minute": n + 1, "rss_mib": site.worker_rss_mib(), "moderator": decided,
                    **{name: {"rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
                              "errors": sum(r["errors"].values()), "p50_ms": round(r["p50_us"] / 1000, 1),
                              "p99_ms": round(r["p99_us"] / 1000, 1)} for name, r in results.items()}}
            lines.append(line)
            print(f"  {n + 1:>3}  " + "  ".join(
                f"{name} {line[name]['rps']:>6.0f}/s p50 {line[name]['p50_ms']:>5.1f} "
                f"p99 {line[name]['p99_ms']:>6.1f} err {line[name]['errors']}" for name in streams)
                + f"  moderator {decided['decisions']} decided, {decided['errors']} errors"
                + f"  RSS {line['rss_mib']}", flush=True)
        end_rss = site.worker_rss_mib()
    finally:
        stop.set()
        if site is not None:
            site.stop()

    errors = sum(line[name]["errors"] for line in lines for name in ("readers", "posters", "counter"))
    errors += sum(line["moderator"]["errors"] for line in lines)
    warm = lines[0]["rss_mib"] if lines else start_rss
    print(f"\n  errors in all: {errors}; worker memory {start_rss} MiB at start, {warm} MiB after the "
          f"first slice (caches filled), {end_rss} MiB at the end")
    bench.RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = bench.RESULTS / f"soak-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, "machine": bench.machine(), "slices": lines, "errors": errors,
                               "rss_start_mib": start_rss, "rss_end_mib": end_rss}, indent=2))
    print(f"  written {out.relative_to(bench.ROOT)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
