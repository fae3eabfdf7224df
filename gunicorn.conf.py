"""gunicorn settings for NewsArchive, from the environment with loopback defaults."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# A worker is replaced after this many requests (and up to 200 more), by default only where others
# serve meanwhile: a lone worker's replacement boots and warms up while every request waits, which
# gave 1 request in 100 a wait of about a second (bench/load.py, one worker, docs/performance.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000" if workers > 1 else "0"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
# The site reads query strings up to MAX_QUERY_STRING_BYTES (8 kB) and answers longer ones with
# its own 414. gunicorn's bounded request line stops at 8190 bytes, short of an 8 kB query and its
# path, so it is unbounded here (0) and the site decides; nginx bounds it in front
# (large_client_header_buffers in deploy/nginx-newsarchive.conf).
limit_request_line = 0
# A header line as long as nginx's buffer: the Referer of a page with an 8 kB query is that long.
limit_request_field_size = 16384
limit_request_fields = 100
# Each worker opens its own Whoosh searcher after the fork, and a HUP must start workers on a new
# release's code (docs/deployment.md), which a preloaded master would keep from them: do not
# preload the app. Measured at Reuters size, preloading (with gc.freeze before each fork) saved 8%
# of the workers' total PSS after the warm-up and 2% after searches and saves (docs/memory.md).
preload_app = False
wsgi_app = "newsarchive.wsgi:application"


def post_worker_init(worker):
    """Warm each worker before it accepts requests: a recycled worker must not make the next
    visitor or editor wait for the index to open."""
    from newsarchive.warmup import warm_up

    warm_up()


def worker_exit(server, worker):
    """Let a worker's background index catch-up finish before it stops (owed updates are kept in
    the database either way, for the next writer or ``check_index --repair``)."""
    try:
        from search.signals import finish_catch_up
    except Exception:  # the application never loaded: nothing of it is running
        return
    if not finish_catch_up(timeout=graceful_timeout / 2):
        server.log.warning("Worker %s stopped before its owed index updates were written", worker.pid)
