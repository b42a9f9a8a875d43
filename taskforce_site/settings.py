"""Settings for the task force progress site.

Everything that differs between a laptop and production comes from the
environment (see docs/configuration.md). The defaults are safe: DEBUG is off
unless DJANGO_DEBUG says otherwise, and then a real secret key is required.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from taskforce_site.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_htmx",
    "simple_history",
    # Two-factor sign-in: TOTP devices, recovery codes, and the sign-in and
    # set-up pages (django-two-factor-auth over django-otp).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "formtools",
    # Background jobs: Django's tasks API (the django-tasks backport of
    # Django 6's django.tasks) on a queue kept in the database.
    "django_tasks",
    "django_tasks_db",
    "taskforce_site.apps.SiteConfig",
    "stages",
    "assessments",
]

MIDDLEWARE = [
    # First, so every response carries the policy: a 500 raised inside any
    # middleware below included.
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A session cookie that is not a session key counts as no cookie.
    "taskforce_site.middleware.MalformedSessionCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every page for someone signed in.
    "taskforce_site.middleware.SignedInPagesNotStoredMiddleware",
    # request.user.is_verified(): signed in with a second factor this session.
    "django_otp.middleware.OTPMiddleware",
    # Deny by default: a new view is private unless it is marked
    # @login_not_required (login, partner links, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After messages, so it can say why someone was logged out.
    "taskforce_site.middleware.SessionTimeoutMiddleware",
    # Who must use a second factor reaches only its set-up pages until they do.
    "taskforce_site.middleware.TwoFactorRequiredMiddleware",
    # Records who made each admin edit to stages and milestones.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "taskforce_site.urls"
WSGI_APPLICATION = "taskforce_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "taskforce_site.context_processors.layout",
                "assessments.pages.attention.menu",
            ],
        },
    },
]

# An SQLite file inside the project unless DATABASE_URL says otherwise, so a
# fresh clone needs nothing else installed.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        # A kept connection is checked before it is reused, so a database
        # restart costs no failed request.
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the job worker write to one file: WAL lets pages
    # read while a job writes, IMMEDIATE takes the write lock at the start
    # of a transaction (so a writer waits its turn instead of failing half
    # way), and `timeout` is how long it waits, in seconds.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+IP is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Coordinators may read (never edit) other task forces when this is on.
COORDINATORS_CAN_READ_ALL_TASK_FORCES = env_bool(
    "DJANGO_COORDINATORS_CAN_READ_ALL_TASK_FORCES", default=False
)

# An achieved milestone not confirmed for this many days is flagged "review
# due": protocols, case review and data systems need a fresh look each year.
REVIEW_AFTER_DAYS = env_int("DJANGO_REVIEW_AFTER_DAYS", 365)

# A signed MOU whose renewal date falls within this many days from today is
# "expiring" on the partner register (assessments.models.PartnerAgencyQuerySet).
REGISTER_EXPIRY_WINDOW_DAYS = env_int("DJANGO_REGISTER_EXPIRY_WINDOW_DAYS", 60)
if REGISTER_EXPIRY_WINDOW_DAYS < 0:
    raise ImproperlyConfigured("DJANGO_REGISTER_EXPIRY_WINDOW_DAYS must be 0 or more.")

# The day `send_reminders` sends the weekly digest and the reminders people
# chose to get once a week (0 = Monday, as datetime.date.weekday()).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIGEST_WEEKDAY = WEEKDAYS.index(env_choice("DJANGO_DIGEST_WEEKDAY", WEEKDAYS, "monday"))
# How long an e-mail's unsubscribe link works: a weekly e-mail read a few
# weeks late must still unsubscribe, a leaked one must not work for ever.
UNSUBSCRIBE_LINK_DAYS = env_int("DJANGO_UNSUBSCRIBE_LINK_DAYS", 60)
if UNSUBSCRIBE_LINK_DAYS < 7:
    raise ImproperlyConfigured("DJANGO_UNSUBSCRIBE_LINK_DAYS must be 7 or more (a weekly e-mail).")
# E-mails telling a task force its review-cycle submission was returned
# carry the first line of the state program's comment only when this is on
# (off: the comment stays behind login, like every other text).
NOTIFY_INCLUDE_RETURN_COMMENT = env_bool("DJANGO_NOTIFY_INCLUDE_RETURN_COMMENT", default=False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assessments:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "America/Los_Angeles")
# English only: Django then skips its translation machinery on every request.
USE_I18N = False
USE_TZ = True
# "15 Mar 2027" everywhere: taskforce_site/formats/en/formats.py.
FORMAT_MODULE_PATH = ["taskforce_site.formats"]

STATIC_URL = "static/"
# Where collectstatic puts the hashed files WhiteNoise serves.
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files served by WhiteNoise in production; plain
        # files from the app folders while developing.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Evidence for milestones (docs/security.md#evidence-files): uploaded documents, kept
# outside static/ and the web root and served only through a view that
# applies the task force's access rules. The default folder suits a laptop;
# production sets DJANGO_EVIDENCE_ROOT (and backs it up with the database).
EVIDENCE_ROOT = Path(env_str("DJANGO_EVIDENCE_ROOT") or BASE_DIR / "evidence").resolve()
for _public in (BASE_DIR / "static", STATIC_ROOT):
    if EVIDENCE_ROOT.is_relative_to(Path(_public).resolve()):
        raise ImproperlyConfigured(
            f"DJANGO_EVIDENCE_ROOT={str(EVIDENCE_ROOT)!r} is inside {_public}, whose files "
            "are served to anyone. Choose a folder outside static/ and the web root."
        )
EVIDENCE_MAX_BYTES = env_int("DJANGO_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
if EVIDENCE_MAX_BYTES < 1:
    raise ImproperlyConfigured("DJANGO_EVIDENCE_MAX_BYTES must be 1 or more.")
# Removed evidence stays restorable by staff this long; then purge_evidence
# deletes its file.
EVIDENCE_RETENTION_DAYS = env_int("DJANGO_EVIDENCE_RETENTION_DAYS", 90)
if EVIDENCE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("DJANGO_EVIDENCE_RETENTION_DAYS must be 0 or more.")
# A runaway script or a misused account must not fill the evidence folder:
# each person uploads at most this many documents an hour, and a task
# force's documents (removed ones too, until purge_evidence deletes their
# files) take at most this much room.
EVIDENCE_UPLOADS_PER_HOUR = env_int("DJANGO_EVIDENCE_UPLOADS_PER_HOUR", 60)
if EVIDENCE_UPLOADS_PER_HOUR < 1:
    raise ImproperlyConfigured("DJANGO_EVIDENCE_UPLOADS_PER_HOUR must be 1 or more.")
EVIDENCE_QUOTA_MB = env_int("DJANGO_EVIDENCE_QUOTA_MB", 1024)
if EVIDENCE_QUOTA_MB < 1:
    raise ImproperlyConfigured("DJANGO_EVIDENCE_QUOTA_MB must be 1 or more.")
STORAGES["evidence"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": EVIDENCE_ROOT,
        # Readable by the app's own account (and its group, for backups) only.
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
    },
}
# S3-compatible object storage instead, through django-storages; credentials
# come from the standard AWS_* variables (or the machine's role), read by boto3.
EVIDENCE_S3_BUCKET = env_str("DJANGO_EVIDENCE_S3_BUCKET")
if EVIDENCE_S3_BUCKET:
    try:
        import boto3  # noqa: F401 - only checks that S3 support is installed
    except ImportError:
        raise ImproperlyConfigured(
            "DJANGO_EVIDENCE_S3_BUCKET is set but boto3 is not installed: "
            "pip install 'django-storages[s3]' "
            "(docs/configuration.md#evidence-on-s3-compatible-storage)."
        ) from None
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            # Another S3-compatible service (MinIO, Ceph, ...) and its region.
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # Private objects; the app streams them through its own view.
            "default_acl": "private",
            "querystring_auth": True,
            # Names are generated and unique; never overwrite one anyway.
            "file_overwrite": False,
        },
    }
# Large exports prepared by a job (assessments/core/prepared_downloads.py)
# are kept here for their owner, PREPARED_DOWNLOAD_DAYS, never served
# directly. The web servers and the workers must all reach this folder.
DOWNLOADS_ROOT = Path(env_str("DJANGO_DOWNLOADS_ROOT") or BASE_DIR / "downloads").resolve()
for _public in (BASE_DIR / "static", STATIC_ROOT):
    if DOWNLOADS_ROOT.is_relative_to(Path(_public).resolve()):
        raise ImproperlyConfigured(
            f"DJANGO_DOWNLOADS_ROOT={str(DOWNLOADS_ROOT)!r} is inside {_public}, whose files "
            "are served to anyone. Choose a folder outside static/ and the web root."
        )
STORAGES["downloads"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": DOWNLOADS_ROOT,
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
    },
}
# An export of every status or every change, or the statewide report's PDF,
# over more task forces than this, or the report page with the appendix of
# a region of more, is prepared by a job; smaller ones answer at once.
DOWNLOAD_INLINE_MAX_TASK_FORCES = env_int("DJANGO_DOWNLOAD_INLINE_MAX_TASK_FORCES", 200)
if DOWNLOAD_INLINE_MAX_TASK_FORCES < 0:
    raise ImproperlyConfigured("DJANGO_DOWNLOAD_INLINE_MAX_TASK_FORCES must be 0 or more.")
# A suppressed report pack is suppressed over every task force of the state
# (assessments/pages/report_pack.py): even six task forces take about half a
# second, so by default (0) a job always prepares it. A state of at most this
# many builds it in the request.
REPORT_PACK_INLINE_MAX_TASK_FORCES = env_int("DJANGO_REPORT_PACK_INLINE_MAX_TASK_FORCES", 0)
if REPORT_PACK_INLINE_MAX_TASK_FORCES < 0:
    raise ImproperlyConfigured("DJANGO_REPORT_PACK_INLINE_MAX_TASK_FORCES must be 0 or more.")
PREPARED_DOWNLOAD_DAYS = env_int("DJANGO_PREPARED_DOWNLOAD_DAYS", 7)
if PREPARED_DOWNLOAD_DAYS < 1:
    raise ImproperlyConfigured("DJANGO_PREPARED_DOWNLOAD_DAYS must be 1 or more.")
# Counts that leave a task force (statewide views, the report pack, exports
# for the state) hide 1 to this - 1 (assessments/common/suppression.py). A run
# may raise it, never lower it.
SMALL_COUNT_THRESHOLD = env_int("DJANGO_SMALL_COUNT_THRESHOLD", 11)
if SMALL_COUNT_THRESHOLD < 2:
    raise ImproperlyConfigured("DJANGO_SMALL_COUNT_THRESHOLD must be 2 or more.")
# An upload bigger than this goes to a temporary file as it arrives, so a
# 10 MB document is never held in memory whole (Django's default is 2.5 MB).
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# One cache: per process unless CACHE_URL (or REDIS_URL) names a Redis
# server, which several app servers then share. It holds rendered page parts
# keyed on database revisions (assessments/core/page_cache.py), so even a cache
# per process never serves a stale page. Sessions stay in the database
# (Django's default engine), where every app server sees a logout at once.
_cache_url = env_str("CACHE_URL") or env_str("REDIS_URL")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL={_cache_url!r}: only redis:// URLs are supported.")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _cache_url,
        # Seconds. A Redis that does not answer fails the request (and
        # /healthz) quickly instead of holding a worker.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if _cache_url
    # Entries are 1-50 KB: at most about 50 MB per app server process.
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

# Background jobs (taskforce_site/jobs.py): imports, e-mail and large
# exports run off the request, on a queue kept in the database, so no other
# server is needed; any number of `manage.py run_worker` processes, on any
# machine that reaches the database, share it. docs/deploying.md says how
# to run the worker and how to move to Redis (RQ) for a large deployment.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail"],
    }
}
# A worker not seen for this many seconds makes /healthz answer 503. Workers
# record that they are alive every WORKER_HEARTBEAT_SECONDS, busy or idle.
WORKER_HEARTBEAT_SECONDS = env_int("DJANGO_WORKER_HEARTBEAT_SECONDS", 15)
WORKER_STALE_AFTER_SECONDS = env_int("DJANGO_WORKER_STALE_AFTER_SECONDS", 120)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Outgoing e-mail (taskforce_site/mail.py). In development the console
# backend prints each message in the terminal; in production SMTP, and a
# deploy check (taskforce_site/checks.py) warns about anything that sends
# nowhere.
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20)
# Every e-mail is sent by the job worker (queue "mail"), not by the request
# that decided it. A refusal or a server that does not answer is tried again
# after 1, 5, 30, 120, 120 ... minutes, this many attempts in all; then the
# e-mail is failed, and staff see it on the admin index and resend it there.
EMAIL_MAX_ATTEMPTS = env_int("DJANGO_EMAIL_MAX_ATTEMPTS", 5)
# What every e-mail and page calls the product and the state program, and the
# public address links in e-mails start with (never the request's Host header,
# which a client chooses).
SITE_NAME = env_str("DJANGO_SITE_NAME", "Task Force Stages")
PROGRAM_NAME = env_str("DJANGO_PROGRAM_NAME", "the state anti-trafficking program")
SITE_URL = env_str("DJANGO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"DJANGO_SITE_URL={SITE_URL!r}: set it to the site's public address, e.g. "
        "https://taskforces.example.org. Links in e-mails start with it."
    )
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who invitees are told to ask when a link no longer works.
SUPPORT_EMAIL = env_str("DJANGO_SUPPORT_EMAIL")
# How long an invitation link works (assessments/team/services.py).
INVITATION_DAYS = env_int("DJANGO_INVITATION_DAYS", 7)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day

# Two-factor sign-in. "staff": staff and program managers must use it (they
# read every task force's internal notes), coordinators may; "everyone"; or
# "optional" for all.
TWO_FACTOR_REQUIRED = env_choice(
    "DJANGO_TWO_FACTOR_REQUIRED", ("staff", "everyone", "optional"), default="staff"
)
# Authenticator apps show this name next to the code.
TWO_FACTOR_ISSUER = SITE_NAME
# A sign-in started more than 10 minutes ago must start again.
TWO_FACTOR_LOGIN_TIMEOUT = 600
# The QR code is drawn on the server as SVG: no third-party service.
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathImage"
# Wrong codes count toward the login lockout (username + IP, with wrong
# passwords). django-otp's throttle stays on as well: it slows guessing per
# device, from every address, which the lockout deliberately does not.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions: logged out after SESSION_IDLE_TIMEOUT without a request, and after
# SESSION_COOKIE_AGE whatever happens (taskforce_site.middleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("DJANGO_SESSION_IDLE_MINUTES", 120))
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_MAX_HOURS", 12) * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "taskforce_site.views.csrf_failure"

# Login lockout (django-axes): lock the username+IP pair, never the username
# alone, so nobody can lock a coordinator out from elsewhere. The database
# handler works on SQLite and across several app servers.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "taskforce_site.security.client_ip"
AXES_VERBOSE = False  # the security log says it once, in one format
# How many reverse proxies in front of the app append to X-Forwarded-For.
# 0: trust only the socket address (REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

# Behind a TLS-terminating proxy (see docs/deploying.md#nginx-in-front-https).
if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Partner links carry a secret token in the path; never send it to another site.
SECURE_REFERRER_POLICY = "same-origin"

# No inline scripts or styles anywhere: every asset is a file under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws its form and navbar icons as data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Partner, invitation and reset tokens never reach a log: Django's
        # request warnings write the path (taskforce_site/redaction.py).
        "redact_secrets": {"()": "taskforce_site.redaction.RedactSecrets"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "timestamp": True,  # ISO 8601 in UTC
            "rename_fields": {"levelname": "level"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "security": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact_secrets"],
        },
    },
    # A filter on a logger sees only what is logged to that logger, not what
    # its children pass up; the handlers' filters see everything. This one
    # is for records logged to the root logger itself.
    "root": {
        "handlers": ["console"],
        "level": env_str("DJANGO_LOG_LEVEL", "INFO"),
        "filters": ["redact_secrets"],
    },
    "loggers": {
        # Django's own handlers (a console one with DEBUG on, mail to ADMINS)
        # are replaced: its records go to the root's handlers above, redacted.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's request lines (development only).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # One JSON object per line: who, what, when (UTC), from where.
        "taskforce.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        # django-axes reports every reset at INFO; its events reach the
        # security log through signals instead.
        "axes": {"level": "WARNING"},
    },
}
