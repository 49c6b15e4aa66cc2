"""Runs deploy/nginx/talkback.conf on this machine, for the tests and the bench (stdlib only).

The site file is used as it is, with exactly four strings replaced: the listen address, the
upstream address, the cache directory and the static directory. Around it goes the smallest
nginx.conf that nginx needs (events, temp paths, pid and logs in a directory of our own), and nginx
runs as a child process in the foreground, never as the machine's service.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SITE = Path(__file__).with_name("talkback.conf")
CHECKOUT = Path(__file__).resolve().parents[2]

# The only lines of talkback.conf that name this machine's addresses and paths.
LISTEN = "listen 80;"
UPSTREAM = "server 127.0.0.1:8000;"
CACHE_DIR = "/var/cache/nginx/talkback"
STATIC_DIR = "/srv/talkback/static/"


def executable() -> str | None:
    """The nginx binary: TALKBACK_NGINX if set (None when it does not exist), else the system's."""
    if chosen := os.environ.get("TALKBACK_NGINX"):
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(*, port: int, upstream: str, cache_dir: Path, static_dir: Path = CHECKOUT / "static") -> str:
    """talkback.conf with this machine's port, gunicorn address and directories."""
    text = SITE.read_text()
    for old, new in ((LISTEN, f"listen 127.0.0.1:{port};"), (UPSTREAM, f"server {upstream};"),
                     (CACHE_DIR, str(cache_dir)), (STATIC_DIR, f"{static_dir}/")):
        if text.count(old) != 1:
            raise ValueError(f"{SITE} must contain {old!r} exactly once")
        text = text.replace(old, new)
    return text


def main_config(prefix: Path, site: Path, *, workers: str = "1", access_log: bool = True) -> str:
    """The nginx.conf around the site file: everything nginx writes stays under `prefix`."""
    # As root, nginx's workers would drop to `nobody`, who cannot enter a private temp directory.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else \
        "types { text/css css; text/javascript js; image/svg+xml svg; }"
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    log = f"access_log {prefix / 'access.log'};" if access_log else "access_log off;"
    return (f"{user}worker_processes {workers};\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n    {mime}\n    default_type application/octet-stream;\n    {log}\n{temp}\n"
            f"    include {site};\n}}\n")


@contextlib.contextmanager
def running(prefix: Path, *, upstream: str, workers: str = "1", access_log: bool = True,
            ready_timeout: float = 20) -> Iterator[str]:
    """nginx with the repo's site file in front of `upstream` (host:port) → its base URL."""
    binary = executable()
    if binary is None:
        raise FileNotFoundError("nginx is not installed")
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = prefix / "talkback.conf"
    site.write_text(site_config(port=port, upstream=upstream, cache_dir=prefix / "cache"))
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, site, workers=workers, access_log=access_log))
    with (prefix / "stderr.log").open("wb") as sink:
        process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited with {process.returncode}:\n{_logs(prefix)}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not listen in {ready_timeout}s:\n{_logs(prefix)}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # fast shutdown of the master and its workers
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _logs(prefix: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in
                     (prefix / "stderr.log", prefix / "error.log") if path.exists())
