"""gunicorn settings for Talkback: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Every value can be changed from the environment without editing this file (docs/deploy.md):

    TALKBACK_BIND        address to listen on            default 127.0.0.1:8000 (a proxy in front)
    WEB_CONCURRENCY      worker processes                default 2 × CPUs + 1
    GUNICORN_THREADS     threads per worker              default 2
    GUNICORN_TIMEOUT     seconds before a stuck worker is restarted            default 30
    GUNICORN_KEEPALIVE   seconds an idle keep-alive connection stays open      default 5
                         (behind a load balancer: longer than the balancer's idle timeout)
    GUNICORN_MAX_REQUESTS  requests before a worker is replaced  default 0 (never)
    GUNICORN_LOGLEVEL    gunicorn's own log level        default info

The app writes one JSON line per request to stderr itself (blueprints/ops/requestlog.py), so gunicorn's
access log is off; gunicorn's own messages also go to stderr. Run it under a supervisor
(systemd, a container runtime) that collects stderr.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("TALKBACK_BIND", "127.0.0.1:8000").split(",")
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
# Threads let a worker overlap requests that wait on the database or Redis; gthread also keeps
# slow clients from tying up a whole process when there is no buffering proxy in front.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are not recycled unless asked (GUNICORN_MAX_REQUESTS=n: after about n requests, with
# jitter so they do not all restart at once). A new worker imports the app and starts with cold
# caches, a second or two of CPU during which the other workers carry the load: every 2,000
# requests that cost a busy site a third of its throughput. bench/run.py checks that a worker's
# memory does not grow from one run to the next; recycle only to contain a leak you suspect.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

accesslog = None  # the app logs each request itself, with its request id
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "talkback"
# The heartbeat file on a RAM disk when there is one (containers often mount /tmp on overlayfs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn ≥ 25 opens a control socket at one fixed path per user; several servers on one
# machine would fight over it, and nothing here uses it.
control_socket_disable = True
# Request sizes: the app accepts at most MAX_CONTENT_LENGTH bytes of body anyway.
limit_request_line = 8190
limit_request_fields = 100


def on_starting(server) -> None:
    """Build the app once in the master before any worker starts: a missing secret key or an
    unreachable setting fails here, once, with its message, and the embedded SQLite default is
    migrated and seeded by one process instead of by every worker at the same moment."""
    from app import create_app
    from talkback.extensions import db

    app = create_app()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def on_reload(server) -> None:
    """`kill -HUP` (systemctl reload) starts new workers on the new code: migrate the embedded
    default once here too, before they start."""
    on_starting(server)
