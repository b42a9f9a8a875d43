"""Gunicorn settings for production: gunicorn -c gunicorn.conf.py taskforce_site.wsgi

Every value can be changed from the environment (GUNICORN_*), so one file
serves every server. See docs/deploying.md.
"""

import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Started from any directory (systemd, cron), the app and the logger class
# below still import.
chdir = _HERE

# Loopback only: the TLS-terminating proxy on the same host is the only client.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers, the usual 2 x cores + 1 for an app that mostly waits on the
# database. Capped because each worker holds a database connection and its
# own in-memory cache unless CACHE_URL names Redis (up to ~50 MB).
_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
workers = _int("GUNICORN_WORKERS", min(2 * (_cores or 1) + 1, 9))

# A request still running after 30 s is stuck; kill the worker and free it.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On restart, let requests in flight finish rather than cutting them off.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycle workers now and then so any slow leak cannot grow forever; high,
# because a new worker starts with a cold page cache. The jitter keeps the
# workers from all restarting at the same moment.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)

# Logs to stdout/stderr: systemd's journal (or the container runtime) keeps them.
accesslog = "-"
errorlog = "-"
# Partner links (/p/<token>/) carry a secret in the path: the logger class
# masks it, and the format leaves out the query string, referrer and user
# agent. h is the proxy; the client is in X-Forwarded-For.
logger_class = "taskforce_site.gunicorn_logging.Logger"
access_log_format = '%(h)s %({x-forwarded-for}i)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

# Addresses allowed to set the forwarding headers gunicorn itself acts on.
# Whether X-Forwarded-Proto means HTTPS is the app's decision alone
# (DJANGO_BEHIND_TLS_PROXY=1 sets Django's SECURE_PROXY_SSL_HEADER), so
# gunicorn is told not to act on it: one switch, not two that could disagree.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
secure_scheme_headers = {}

# Gunicorn's runtime control socket is not used, and every instance on a host
# would share its one default path.
control_socket_disable = True
