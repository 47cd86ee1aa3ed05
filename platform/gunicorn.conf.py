"""gunicorn settings for the production web container."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
accesslog = "-"
# Request lines only; never bodies (they may hold report text).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus'
