"""Talkback's benchmark: one command, `python bench/run.py` (see bench/README.md).

Starts the app under gunicorn (workers = CPUs) on a temporary SQLite database, seeds it, and drives
it with wrk, a separate process, for a fixed time after a warm-up. Every figure is also given as a
ratio to a hello-world Flask app served by the same gunicorn settings in the same run (row A: a
hello-world slice before each slice of a row; the row reports the median pair). Load only ever
targets 127.0.0.1.

Rows: A hello world · B anonymous article page at 0/100/1000 approved comments (+ a conditional
GET), and the page of 100 through nginx configured by deploy/nginx/talkback.conf · C counter
fragment for a 1000-character body, under its Flask-Limiter limit · D posting (distinct authors, no
cookie) · E moderation queue, first and deep page, at 100 and 100,000 pending.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout: the app, and deploy/nginx/local.py

from deploy.nginx import local as nginx_local  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
HOST = "127.0.0.1"  # never anything else

# A typical comment: two paragraphs, a link and a smiley, so rendering does its real work.
COMMENT_BODY = (
    "I read the statement twice and I still think the numbers tell only half the story :) "
    "The figures for the eastern districts were published last year at https://example.org/report "
    "and they do not match what is said here.\n\n"
    "Still, credit where it is due: the response this time was faster, and the shelters were open "
    "before the rain started. Let us hope the funding follows."
)
COUNTER_TEXT = ("Mangoes are in season and the market is busy 😀 " * 30)[:1000]

@dataclass
class Row:
    name: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    requests: int = 0
    ratio: float | None = None
    cpu_ratio: float | None = None  # hello world's CPU per request over the row's (median pair)
    note: str = ""
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# Processes
# ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Server:
    """A gunicorn master with the site's own settings (gunicorn.conf.py: gthread workers, 2 threads
    each) but CPU-count workers, bound to 127.0.0.1 on a free port. Both servers use them."""

    def __init__(self, app_spec: str, env: dict[str, str], log: Path, pythonpath: str | None = None):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        args = [sys.executable, "-m", "gunicorn", app_spec, "-c", str(ROOT / "gunicorn.conf.py"),
                "--bind", f"{HOST}:{self.port}", "--workers", str(cpu_count()), "--log-level", "warning",
                "--chdir", str(ROOT)]
        if pythonpath:
            args += ["--pythonpath", pythonpath]
        self.log = log.open("w")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log.name}")
            try:
                urllib.request.urlopen(self.base + path, timeout=5).read()
                # Every worker must be up before timing starts.
                if len(self.worker_pids()) >= cpu_count():
                    return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout}s; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """User and system CPU time the workers have used so far: what a request costs the server
        itself, whatever else (wrk included) the machine gives its time to meanwhile."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_rss_mib(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(round(int(line.split()[1]) / 1024, 1))
            except OSError:
                pass
        return sizes

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wrk(url: str, seconds: float, *, script: Path, connections: int, threads: int,
        headers: dict[str, str] | None = None, args: list[str] | None = None) -> dict:
    assert urllib.parse.urlsplit(url).hostname == HOST
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", str(script)]
    for name, value in {"User-Agent": USER_AGENT, **(headers or {})}.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line.removeprefix("WRKJSON "))
    raise RuntimeError(f"wrk printed no report:\n{out}")


# ------------------------------------------------------------------------------------------------
# Browsing as a reader or a moderator (stdlib only)
# ------------------------------------------------------------------------------------------------


class _Forms(html.parser.HTMLParser):
    """Collects each form's action and inputs, and links by rel."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}
        self.links: dict[str, str] = {}
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "inputs": []}
            self.forms[a.get("id") or a.get("action") or str(len(self.forms))] = self._form
        elif tag in ("input", "textarea") and self._form is not None:
            self._form["inputs"].append((a.get("name"), a.get("type", tag), a.get("value") or ""))
        elif tag == "a" and a.get("rel") and a.get("href"):
            for rel in a["rel"].split():
                self.links.setdefault(rel, a["href"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(html_text: str) -> _Forms:
    p = _Forms()
    p.feed(html_text)
    return p


# Every request, from urllib and from wrk, says the same: Flask-Login's strong session protection
# ties a moderator's session to the browser's User-Agent (and address).
USER_AGENT = "talkback-bench"


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(url: str, headers: dict[str, str] | None, expect: int) -> tuple[int, dict[str, str]]:
    """One request as wrk will send it must get `expect` (wrk counts a 3xx as a success: a lost
    login would otherwise measure the redirect to the login page) → its size in bytes, headers."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as response:
            status, size, got = response.status, len(response.read()), dict(response.headers)
    except urllib.error.HTTPError as e:
        status, size, got = e.code, len(e.read()), dict(e.headers)
    if status != expect:
        raise RuntimeError(f"{url} answered {status}, not {expect}: not measuring it")
    return size, got


def hidden_fields(form: dict) -> dict[str, str]:
    return {name: value for name, kind, value in form["inputs"] if name and kind == "hidden"}


# ------------------------------------------------------------------------------------------------
# Seeding
# ------------------------------------------------------------------------------------------------


# Limits stay on (Flask-Limiter counts every counter request and post, in each worker's memory as
# on a site without Redis) but are set far above what one load generator on 127.0.0.1 reaches.
HIGH_LIMIT = "100000000 per hour"


def make_env(instance: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKBACK_") and k != "DATABASE_URL"}
    env.update(
        TALKBACK_INSTANCE_PATH=str(instance),  # embedded SQLite in a temporary instance/
        TALKBACK_DEMO_CONTENT="false",
        TALKBACK_COUNTER_RATE_LIMIT=HIGH_LIMIT,
        TALKBACK_COMMENT_RATE_LIMIT=HIGH_LIMIT,
        TALKBACK_COMMENT_FLOOD_SECONDS="0",
        TALKBACK_COMMENT_MIN_FILL_SECONDS="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra or {})
    return env


def seed_app(env: dict[str, str]):
    """The app in this process, configured like the server (for seeding and counting)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("TALKBACK_")})
    from app import create_app

    return create_app()


def comment_rows(article_id: int, n: int, status, start: datetime, tag: str) -> list[dict]:
    rows = []
    for i in range(n):
        when = start + timedelta(seconds=i)
        rows.append(dict(
            article_id=article_id, body=f"{COMMENT_BODY} ({tag} {i})", author_name=f"Reader {tag} {i}",
            author_email=f"reader-{tag}-{i}@example.org",
            author_website="https://example.org/" if i % 3 == 0 else "",
            author_ip=f"10.0.{i // 250 % 256}.{i % 250}", user_agent="bench", submitted_at=when,
            status_changed_at=when, status=status, held_for=[], revision=1,
        ))
    return rows


def seed(app, pending: int) -> dict[str, int]:
    from talkback.extensions import db
    from talkback.models import Article, Comment, CommentStatus

    slugs = {"bench-0": 0, "bench-100": 100, "bench-1000": 1000, "bench-post": 100, "bench-queue": 0}
    ids = {}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        for slug, approved in slugs.items():
            article = Article(slug=slug, title=f"Benchmark article {slug}", byline="Bench Desk",
                              body="\n\n".join(["A paragraph of the article, of ordinary length. " * 6] * 8),
                              copyright_notice="© Bench", published_at=start)
            db.session.add(article)
            db.session.flush()
            ids[slug] = article.id
            if approved:
                db.session.execute(sa_insert(Comment), comment_rows(article.id, approved,
                                                                    CommentStatus.APPROVED, start, slug))
        if pending:
            db.session.execute(sa_insert(Comment), comment_rows(ids["bench-queue"], pending,
                                                                CommentStatus.PENDING, start, "q"))
        db.session.commit()
    return ids


def add_pending(app, article_id: int, n: int, offset: int) -> None:
    from talkback.extensions import db
    from talkback.models import Comment, CommentStatus

    start = datetime(2026, 2, 1, tzinfo=UTC)
    with app.app_context():
        for lo in range(0, n, 10_000):
            rows = comment_rows(article_id, min(10_000, n - lo), CommentStatus.PENDING,
                                start + timedelta(seconds=lo), f"q{offset + lo}")
            db.session.execute(sa_insert(Comment), rows)
        db.session.commit()


def count_comments(app, article_id: int) -> int:
    import sqlalchemy as sa

    from talkback.extensions import db
    from talkback.models import Comment

    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count(Comment.id)).where(Comment.article_id == article_id))
        db.session.remove()
        return n


def sa_insert(model):
    import sqlalchemy as sa

    return sa.insert(model)


def moderator_login(app, base: str) -> tuple[Browser | None, str]:
    """A logged-in moderator's browser, or None and why not."""
    name, password = "bench-moderator", "bench-password-not-secret-1234"
    with app.app_context():
        try:
            from blueprints.auth.accounts import create_moderator
        except ImportError:
            create_moderator = None
        from talkback.extensions import db
        from talkback.models import Moderator

        if create_moderator is not None:
            create_moderator(name, password)
        else:
            from argon2 import PasswordHasher

            db.session.add(Moderator(name=name, password_hash=PasswordHasher().hash(password)))
        db.session.commit()
    browser = Browser(base)
    try:
        page = parse(browser.get("/moderation/login"))
    except urllib.error.HTTPError as e:
        return None, f"no login page yet ({e.code})"
    form = next((f for f in page.forms.values() if any(k == "password" for _, k, _ in f["inputs"])), None)
    if form is None:
        return None, "no login form yet"
    data = hidden_fields(form)
    for field_name, kind, _ in form["inputs"]:
        if kind == "password":
            data[field_name] = password
        elif kind in ("text", "email", "input") and field_name:
            data[field_name] = name
    status, _ = browser.post(form["action"] or "/moderation/login", data)
    if status >= 400:
        return None, f"login refused ({status})"
    return browser, ""


def queue_urls(browser: Browser) -> tuple[str, str] | None:
    """The queue's first page, and a deep page: rel="last" if offered, else ~200 pages in."""
    try:
        first_html = browser.get("/moderation/")
    except urllib.error.HTTPError:
        return None
    if "<html" not in first_html.lower():
        return None  # the stub of the skeleton: no queue yet
    links = parse(first_html).links
    if "last" in links:
        return "/moderation/", links["last"]
    deep = "/moderation/"
    for _ in range(200):
        nxt = parse(browser.get(deep)).links.get("next")
        if not nxt:
            break
        deep = nxt if nxt.startswith("/") else urllib.parse.urljoin(deep, nxt)
    return "/moderation/", deep


# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2, help="seconds per measured slice (default 2)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="pairs of slices (hello world, then the row) per row; the median counts")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per row (default 2)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated row letters to run, e.g. A,B")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    if nginx_local.executable() is None:
        print("nginx is not installed (Debian: apt-get install nginx)", file=sys.stderr)
        return 2
    only = {x.strip().upper() for x in opts.only.split(",") if x.strip()}

    tmp = Path(tempfile.mkdtemp(prefix="talkback-bench-"))
    instance = tmp / "instance"
    env = make_env(instance)
    rows: list[Row] = []
    rss: dict[str, list[float]] = {}
    servers: list[Server] = []
    started = time.monotonic()
    threads = min(2, opts.connections)

    def scripts(name: str, prelude: str = "") -> Path:
        path = tmp / f"{name}.lua"
        path.write_text(prelude + "\n" + (BENCH / "report.lua").read_text())
        return path

    plain = scripts("plain")

    hello_slices: list[dict] = []

    def slice_of(server, url, script, headers, args, tag, stored=None, seconds=None) -> dict:
        """One wrk slice; `server`: whose workers' CPU time to read (None: not a gunicorn row)."""
        before = stored() if stored else 0
        cpu_before = server.cpu_seconds() if server else 0.0
        r = wrk(url, seconds or opts.seconds, script=script, connections=opts.connections, threads=threads,
                headers=headers, args=[*args, tag] if args is not None else None)
        cpu = server.cpu_seconds() - cpu_before if server else 0.0
        r["seconds"] = round(r["duration_us"] / 1e6, 2)
        r["rps"] = round(r["requests"] / (r["duration_us"] / 1e6), 1)
        r["cpu_us_per_request"] = round(cpu / r["requests"] * 1e6, 1) if server and r["requests"] else None
        if stored:
            r["stored"] = stored() - before
            r["stored_per_s"] = round(r["stored"] / (r["duration_us"] / 1e6), 1)
        return r

    def measure(name: str, url: str, *, script: Path = plain, headers=None, args=None,
                note: str = "", stored=None, seconds=None, cpu_of=True) -> Row:
        """Warm up, then `rounds` pairs of slices: hello world, then this row. Each pair gives a
        ratio; the row reports the median pair, so load from other programs on the machine, which
        drifts slowly, hits both halves of a pair alike. Every slice is kept in the JSON."""
        size = None
        if script is plain:
            size, _ = check(url, headers, expect=304 if "If-None-Match" in (headers or {}) else 200)
        wrk(url, opts.warmup, script=script, connections=opts.connections, threads=threads,
            headers=headers, args=[*args, "warm"] if args is not None else None)
        pairs = []
        for i in range(opts.rounds):
            a = slice_of(hello, hello_url, plain, None, None, "")
            hello_slices.append(a)
            r = slice_of(site if cpu_of else None, url, script, headers, args, f"run{i}", stored, seconds)
            metric = r.get("stored_per_s", r["rps"])
            pairs.append((metric / a["rps"] if a["rps"] else 0.0, a, r))
        pairs.sort(key=lambda p: p[0])
        ratio, a, r = pairs[len(pairs) // 2]
        # The same pairs by CPU per request: steadier than req/s when the machine's speed jumps
        # between slices, since a slice's CPU per request hardly depends on how fast it ran.
        cpu_ratios = sorted(p[1]["cpu_us_per_request"] / p[2]["cpu_us_per_request"] for p in pairs
                            if p[1]["cpu_us_per_request"] and p[2]["cpu_us_per_request"])
        cpu_ratio = round(cpu_ratios[len(cpu_ratios) // 2], 3) if cpu_ratios else None
        errors = sum(sum(p[2]["errors"].values()) for p in pairs)
        row = Row(name, rps=r["rps"], p50_ms=round(r["p50_us"] / 1000, 2),
                  p99_ms=round(r["p99_us"] / 1000, 2), errors=errors,
                  requests=sum(p[2]["requests"] for p in pairs), note=note,
                  ratio=round(r["rps"] / a["rps"], 3), cpu_ratio=cpu_ratio,
                  extra={"pairs": [{"hello": p[1], "row": p[2]} for p in pairs], "hello_rps": a["rps"],
                         "html_bytes": size})
        if size and name.startswith("E "):
            row.note = f"{size / 1024:.1f} KB of HTML; {note}".rstrip("; ")
        if stored:
            # The target is absolute: the median over every slice of the row, not the median pair's.
            rates = sorted(p[2]["stored_per_s"] for p in pairs)
            row.extra["stored_per_s"] = rates[len(rates) // 2]
            row.extra["stored"] = sum(p[2]["stored"] for p in pairs)
            row.note = (f"{row.extra['stored_per_s']:.0f} stored/s (slices {rates[0]:.0f}–{rates[-1]:.0f}); "
                        f"{row.extra['stored']} stored in all")
        print(f"  {name:<34} {row.rps:>8.0f} req/s  p50 {row.p50_ms:>6.2f} ms  p99 {row.p99_ms:>7.2f} ms"
              f"  errors {errors}  × A {row.ratio:.2f} (A {a['rps']:.0f})  CPU × A {_ratio(cpu_ratio)}"
              f"  {row.note}", flush=True)
        rows.append(row)
        return row

    def wanted(letter: str) -> bool:
        return not only or letter in only

    try:
        print(f"Talkback bench: {cpu_count()} gunicorn workers, wrk -t{threads} -c{opts.connections}, "
              f"{opts.warmup:g}s warm-up + {opts.rounds} × ({opts.seconds:g}s hello world, "
              f"{opts.seconds:g}s row) per row; temp dir {tmp}",
              flush=True)
        hello = Server("hello:create_app()", env, tmp / "hello.log", pythonpath=str(BENCH))
        servers.append(hello)
        hello.wait_ready("/")
        app = seed_app(env)  # creates and migrates the embedded database
        ids = seed(app, pending=100)
        site = Server("app:create_app()", env, tmp / "talkback.log")
        servers.append(site)
        site.wait_ready("/articles/bench-0")

        hello_url = hello.base + "/"
        wrk(hello_url, opts.warmup, script=plain, connections=opts.connections, threads=threads)

        if wanted("B"):
            for n in (0, 100, 1000):
                measure(f"B article, {n} comments", f"{site.base}/articles/bench-{n}")
            measure("B article, 1000, oldest page", f"{site.base}/articles/bench-1000?cpage=1")
            _, got = check(f"{site.base}/articles/bench-100", None, expect=200)
            if "Set-Cookie" in got:
                raise RuntimeError("the anonymous article page sets a cookie: nothing could cache it")
            if got.get("ETag"):
                measure("B article, 100, revalidated (304)", f"{site.base}/articles/bench-100",
                        headers={"If-None-Match": got["ETag"]}, note="a returning reader's conditional GET")
            # nginx with the repo's configuration in front of the same gunicorn (its cache keeps the
            # anonymous page for ARTICLE_MAX_AGE); its CPU is not the workers', so no CPU ratio.
            with nginx_local.running(tmp / "nginx", upstream=f"{HOST}:{site.port}", workers="auto",
                                     access_log=False) as front:
                measure("B article, 100, through nginx", f"{front}/articles/bench-100", cpu_of=False,
                        note="deploy/nginx/talkback.conf")
            rss["after B"] = site.worker_rss_mib()

        if wanted("C"):
            body = urllib.parse.urlencode({"body": COUNTER_TEXT})
            counter = scripts("counter", f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n")
            measure("C counter, 1000 chars", f"{site.base}/comments/counter", script=counter,
                    headers={"Origin": site.base, "HX-Request": "true",
                             "Content-Type": "application/x-www-form-urlencoded"},
                    note=f"COUNTER_RATE_LIMIT {HIGH_LIMIT}")
            rss["after C"] = site.worker_rss_mib()

        if wanted("E"):
            moderator, why = moderator_login(app, site.base)
            urls = queue_urls(moderator) if moderator else None
            if urls is None:
                note = why or "no moderation queue on this branch yet"
                print(f"  E skipped: {note}", flush=True)
                rows.append(Row("E queue (skipped)", note=note))
            else:
                cookie = {"Cookie": moderator.cookie_header()}
                # The queue page is slow (tens of requests a second): longer slices, fewer samples lost.
                slow = max(opts.seconds, 4)
                measure("E queue, 100 pending, first page", site.base + urls[0], headers=cookie,
                        seconds=slow)
                measure("E queue, 100 pending, deep page", site.base + urls[1], headers=cookie,
                        note=urls[1], seconds=slow)
                t0 = time.monotonic()
                add_pending(app, ids["bench-queue"], 99_900, 100)
                print(f"  (seeded 99,900 more pending in {time.monotonic() - t0:.1f}s)", flush=True)
                urls = queue_urls(moderator)
                measure("E queue, 100k pending, first page", site.base + urls[0], headers=cookie,
                        seconds=slow)
                measure("E queue, 100k pending, deep page", site.base + urls[1], headers=cookie,
                        note=urls[1], seconds=slow)
            rss["after E"] = site.worker_rss_mib()

        if wanted("D"):
            # The form as an anonymous reader's browser sends it: its hidden fields (no CSRF token,
            # no cookie), the site's Origin, a distinct author and body each time (post.lua).
            form = parse(Browser(site.base).get("/articles/bench-post")).forms["comment-form"]
            prelude = (f"form = {json.dumps(urllib.parse.urlencode(hidden_fields(form)))}\n"
                       f"path = \"/articles/bench-post/comments\"\n"
                       f"body_text = {json.dumps(urllib.parse.quote_plus(COMMENT_BODY))}\n")
            post = scripts("post", prelude + (BENCH / "post.lua").read_text())
            measure("D posting (stored/s)", f"{site.base}/articles/bench-post/comments", script=post,
                    args=[], headers={"Origin": site.base},
                    stored=lambda: count_comments(app, ids["bench-post"]))
            rss["after D"] = site.worker_rss_mib()

        # Memory: the same workload once more; a worker's resident size should not grow with it.
        rss["before repeat"] = site.worker_rss_mib()
        for path in ("/articles/bench-100", "/articles/bench-1000", "/articles/bench-1000?cpage=1"):
            wrk(site.base + path, opts.seconds, script=plain, connections=opts.connections, threads=threads)
        if wanted("D"):
            wrk(f"{site.base}/articles/bench-post/comments", opts.seconds, script=post,
                connections=opts.connections, threads=threads, args=["repeat"])
        rss["after repeat"] = site.worker_rss_mib()
        rates = sorted(a["rps"] for a in hello_slices)
        base_rps = rates[len(rates) // 2]
        a = next(a for a in hello_slices if a["rps"] == base_rps)
        rows.insert(0, Row("A hello world (all slices)", rps=base_rps, p50_ms=round(a["p50_us"] / 1000, 2),
                           p99_ms=round(a["p99_us"] / 1000, 2),
                           errors=sum(sum(a["errors"].values()) for a in hello_slices),
                           requests=sum(a["requests"] for a in hello_slices),
                           note=f"median of {len(rates)} slices, {rates[0]:.0f}–{rates[-1]:.0f}"))
        rss["end"] = site.worker_rss_mib()
    finally:
        for server in servers:
            server.stop()

    verdicts = judge(rows)
    print_table(rows, base_rps, rss, verdicts)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "when": stamp, "machine": machine(), "workers": cpu_count(),
        "wrk": {"threads": threads, "connections": opts.connections, "seconds": opts.seconds,
                "rounds": opts.rounds, "warmup": opts.warmup},
        "baseline_rps": round(base_rps, 1), "rows": [asdict(r) for r in rows],
        "worker_rss_mib": rss, "targets": verdicts, "total_seconds": round(time.monotonic() - started, 1),
    }
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nwritten {out.relative_to(ROOT)} ({result['total_seconds']:.0f}s in all)")
    if opts.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def judge(rows: list[Row]) -> list[dict]:
    by_name = {r.name: r for r in rows}
    verdicts = []

    def add(target: str, ok: bool | None, figure: str):
        verdicts.append({"target": target, "met": ok, "figure": figure})

    b100, b1000 = by_name.get("B article, 100 comments"), by_name.get("B article, 1000 comments")
    if b100 and b100.ratio is not None:
        add("article page, 100 comments ≥ 0.5 × hello world", b100.ratio >= 0.5,
            f"{b100.ratio:.2f} × (by CPU per request: {_ratio(b100.cpu_ratio)} ×)")
    if b100 and b1000 and b100.ratio and b1000.ratio is not None:
        # Compared through their ratios to hello world (each against its own neighbouring slice),
        # so that drifting load elsewhere on the machine cancels; "no slower" allows the 10 % that
        # two runs of the very same row differ by on a shared machine.
        ratio = b1000.ratio / b100.ratio
        add("article page, 1000 comments no slower than 100 (±10 %)", ratio >= 0.9,
            f"{ratio:.2f} × the 100 row")
    front = by_name.get("B article, 100, through nginx")
    if front and front.ratio is not None:
        add("article page, 100 comments, through nginx ≥ 2 × hello world (gunicorn)", front.ratio >= 2,
            f"{front.ratio:.2f} ×")
    c = by_name.get("C counter, 1000 chars")
    if c and c.ratio is not None:
        add("counter, under its Flask-Limiter limit, ≥ 0.5 × hello world", c.ratio >= 0.5,
            f"{c.ratio:.2f} × (by CPU per request: {_ratio(c.cpu_ratio)} ×)")
    d = by_name.get("D posting (stored/s)")
    if d:
        per_s = d.extra["stored_per_s"]
        add("posting ≥ 300 stored/s, zero errors", per_s >= 300 and d.errors == 0,
            f"{per_s:.0f}/s, {d.errors} errors")
    for pending in ("100", "100k"):
        first = by_name.get(f"E queue, {pending} pending, first page")
        if first and first.ratio is not None:
            add(f"queue first page at {pending} pending ≥ 0.05 × hello world", first.ratio >= 0.05,
                f"{first.ratio:.3f} ×")
            size = first.extra.get("html_bytes") or 0
            add(f"queue first page at {pending} pending ≤ 100 KB of HTML", size <= 100 * 1024,
                f"{size / 1024:.1f} KB")
    for which in ("first", "deep"):
        small = by_name.get(f"E queue, 100 pending, {which} page")
        big = by_name.get(f"E queue, 100k pending, {which} page")
        if small and big and big.rps:
            slowdown = small.rps / big.rps
            add(f"queue {which} page at 100k within 1.5 × of 100", slowdown <= 1.5,
                f"{slowdown:.2f} × slower")
    return verdicts


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(rows: list[Row], base_rps: float, rss: dict, verdicts: list[dict]) -> None:
    print(f"\n{'row':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'× A':>6} {'CPU × A':>8}"
          "  note")
    for r in rows:
        hello_row = r.name.startswith("A ")
        ratio = "1" if hello_row else _ratio(r.ratio)
        cpu = "1" if hello_row else _ratio(r.cpu_ratio)
        print(f"{r.name:<36} {r.rps:>8.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7} {ratio:>6}"
              f" {cpu:>8}  {r.note}")
    print("\n× A: each row against the hello-world slice run just before it; the median of the pairs")
    print("CPU × A: the same pairs by the workers' CPU time per request (hello world's over the row's)")
    for when, sizes in rss.items():
        print(f"worker RSS {when}: {', '.join(f'{s:.1f}' for s in sizes)} MiB")
    print("\ntargets:")
    for v in verdicts:
        mark = "met" if v["met"] else "NOT met"
        print(f"  {mark:<8} {v['target']}: {v['figure']}")


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": cpu_count(), "python": platform.python_version(),
            "system": platform.platform(), "load_before": os.getloadavg()}


if __name__ == "__main__":
    sys.exit(main())
