"""Profile one page in-process with pyinstrument: `python bench/profile.py [path] [--n 300]`.

Seeds a temporary database as bench/run.py does, then renders the page n times through Flask's test
client (no server, no network) and prints pyinstrument's call tree. Paths: /articles/bench-100,
/articles/bench-1000, counter (the counter fragment for a 1000-character body), post.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py: seeding and the texts)
from pyinstrument import Profiler  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="/articles/bench-100")
    parser.add_argument("--n", type=int, default=300)
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="talkback-profile-"))
    app = run.seed_app(run.make_env(tmp / "instance"))
    run.seed(app, pending=100)
    client = app.test_client()
    html = client.get("/articles/bench-100").get_data(as_text=True)
    hidden = run.hidden_fields(run.parse(html).forms["comment-form"])  # no CSRF token: anonymous

    def once(i: int):
        if opts.path == "counter":
            return client.post("/comments/counter", data={"body": run.COUNTER_TEXT},
                               headers={"HX-Request": "true"})
        if opts.path == "post":
            client.delete_cookie("talkback_pending")  # as wrk: the cookie the answer sets is not kept
            return client.post("/articles/bench-post/comments", headers={"HX-Request": "true"}, data={
                **hidden, "author_name": f"Reader {i}", "author_email": f"r{i}@example.org",
                "body": f"{run.COMMENT_BODY} {i}"})
        fresh = app.test_client()  # a first visit: no cookies
        return fresh.get(opts.path)

    for i in range(20):
        once(-i - 1)
    profiler = Profiler(interval=0.0002)
    t0 = time.perf_counter()
    with profiler:
        for i in range(opts.n):
            response = once(i)
    elapsed = time.perf_counter() - t0
    print(f"{opts.path}: {response.status_code}, {elapsed / opts.n * 1000:.2f} ms per request in-process")
    print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("SHOW_ALL"))))


if __name__ == "__main__":
    main()
