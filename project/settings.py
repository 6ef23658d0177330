"""Settings, read from the environment once.

With no environment at all the store runs in the embedded mode of
ARCHITECTURE.md (SQLite, in-memory channel layer, eager Celery, console
email/SMS). Setting DATABASE_URL and REDIS_URL switches to the services mode.
"""

import warnings
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ

# Lets generic Django classes (ModelAdmin[Product], ...) be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():  # optional, never committed
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
SERVICES_MODE = bool(REDIS_URL)
# The embedded mode (`make run`: neither DATABASE_URL nor REDIS_URL) is a demo on one laptop, and the
# only place where the secrets may fall back to values published in this file. Anything else is a
# deployment: see `_require_secrets` at the end.
EMBEDDED = not (DATABASE_URL or REDIS_URL)
DEMO_SECRETS = {
    "SECRET_KEY": "embedded-demo-only-not-a-secret",
    "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
}
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRETS["SECRET_KEY"] if EMBEDDED else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Every key and channel this store names in Redis starts with this (live fragments, the cache,
# presence), so that stores, benchmarks and test runs can share one Redis (`make test` sets its own).
REDIS_PREFIX = env.str("CHANNEL_PREFIX", default="sf")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # search lookups; inert on SQLite
    "channels",
    "django_htmx",
    "template_partials",
    "axes",  # sign-in lockouts: AUTHENTICATION_BACKENDS, MIDDLEWARE and the AXES_* settings below
    "commerce.accounts",
    "commerce.catalog",
    "commerce.cart",
    "commerce.inventory",
    "commerce.orders",
    "commerce.payments",
    "commerce.notifications",
    "commerce.support",
    "commerce.search",
    "commerce.ops",
]

MIDDLEWARE = [
    # First, so that every response (redirects and static files too) carries the id and is timed.
    "project.request_id.RequestIdMiddleware",
    "project.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "project.static.AsyncWhiteNoiseMiddleware",  # WhiteNoise, async-capable: see project/static.py
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A DomainError no view caught: its message at its status (project/errors.py), never a 500.
    "project.errors.DomainErrorMiddleware",
    # Last: turns a sign-in refused for too many failures (any login form, the admin's too) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"

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
                "project.context_processors.store",
                "commerce.cart.context_processors.cart",
                "commerce.support.context_processors.support",
                "realtime.context_processors.live",
            ],
            "builtins": [
                "template_partials.templatetags.partials",
                "commerce.catalog.templatetags.money",
                "commerce.catalog.templatetags.stock",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": env.db("DATABASE_URL")}
    # A connection kept from an earlier request (pooled, or CONN_MAX_AGE) is checked before it is
    # handed out: after PostgreSQL restarts, the next request gets a fresh one instead of an error.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        if env.bool("DATABASE_POOL", default=True):
            DATABASES["default"]["OPTIONS"]["pool"] = {
                "min_size": env.int("DATABASE_POOL_MIN", default=2),
                "max_size": env.int("DATABASE_POOL_MAX", default=10),
                "timeout": 10,
            }
        else:
            DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
else:
    VAR_DIR.mkdir(exist_ok=True)
    # Embedded mode: WAL lets readers run beside one writer; IMMEDIATE takes the
    # write lock at BEGIN so two shoppers writing at once wait instead of failing.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3"))),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer, Celery ---------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                # One pool per process, not one per request (see project/cache.py).
                "pool_class": "project.cache.SharedConnectionPool",
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Sessions live in the database alone: a Redis outage must not sign shoppers out or lose carts.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker keeps Django's LOGGING (JSON lines with the request id) instead of its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# One queue by default; tests give each real worker a queue of its own on the shared Redis.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "catalog:list"
# AxesBackend first: it refuses a locked-out account or address before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockouts (django-axes, counted in the database): LOGIN_FAILURE_LIMIT failed sign-ins for one
# account, or from one client address, lock that account or address out of every login form (the
# admin's too) until LOGIN_LOCKOUT_MINUTES have passed since the last failure; a success clears them.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account, and per address
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "commerce.accounts.lockout.address_of"  # project.clients: BEHIND_PROXY, PROXY_HOPS
AXES_USERNAME_FORM_FIELD = "username"  # the login forms' field (the email), also in the credentials axes builds
AXES_USERNAME_CALLABLE = "commerce.accounts.lockout.username_of"  # one count per account, however it is typed
AXES_LOCKOUT_CALLABLE = "commerce.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the logs; a row for each would only pile up
# Signing up sends a link (accounts/signup.py); these bound how many one client address, and one
# email address, may ask for ("<count>/<second|minute|hour|day>", the `limits` library's notation).
SIGNUP_RATE_PER_ADDRESS = env.str("SIGNUP_RATE_PER_ADDRESS", default="10/hour")
SIGNUP_RATE_PER_EMAIL = env.str("SIGNUP_RATE_PER_EMAIL", default="3/hour")
SIGNUP_LINK_MAX_AGE = env.int("SIGNUP_LINK_MAX_AGE", default=24 * 3600)  # seconds the emailed link works

# --- I18N, static, media --------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Media from the app process is for the embedded demo and small shops; a larger
# deployment serves MEDIA_ROOT from object storage or the ingress.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# The Docker image runs collectstatic and sets STATIC_MANIFEST=1 for hashed,
# compressed, forever-cached files; elsewhere whitenoise serves from the finders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
if not STATIC_MANIFEST:
    # Without collectstatic there is no STATIC_ROOT; the finders serve instead.
    warnings.filterwarnings("ignore", message="No directory at")

# --- Security -----------------------------------------------------------------
# Off by default: the embedded demo and the tests serve plain http. A deployment behind a
# TLS-terminating proxy turns them on (deploy/, `manage.py check --deploy`).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# How many proxies of ours append to X-Forwarded-For (the ingress: 1); limits per client address
# read the entry the outermost of them wrote (project/clients.py).
PROXY_HOPS = max(1, env.int("PROXY_HOPS", default=1))
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Probes and the metrics scraper talk plain http to the pod itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp): scripts from this origin only, no inline
# script, no eval (pages show text other people wrote: reviews, support messages, addresses), and
# connections (fetch, the live socket: 'self' covers ws/wss to this host) to this host only. The pay
# page adds Stripe.js's origins (`commerce.payments.views`, from STRIPE_JS_URL and STRIPE_API_BASE).
# htmx's inserted indicator style and localstripe's dialog need inline styles; no page markup uses them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Store --------------------------------------------------------------------
STORE_NAME = env.str("STORE_NAME", default="Live Store")
# Prices are stored with two decimals: a currency with more (KWD, BHD...) is refused at start.
STORE_CURRENCY = env.str("STORE_CURRENCY", default="USD").upper()
# How amounts read (Babel/CLDR: symbol, its place, the digit marks): "$1,200.00" in en_US.
STORE_LOCALE = env.str("STORE_LOCALE", default="en_US")
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=12)
# The product list's part that is the same for everyone (filters, grid; not the stock figures) is
# cached by catalog version (commerce/catalog/cache.py); entries of a replaced version expire after this.
# 0 turns it off, the embedded default: there the periodic jobs (a hold's stock given back) run in
# a process of their own, whose changes the web process's in-memory cache would never hear of.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=600 if REDIS_URL else 0)
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=99)
STOCK_HOLD_SECONDS = env.int("STOCK_HOLD_SECONDS", default=600)
# On PostgreSQL a checkout is one call of a database function (orders/migrations/0002); off, the
# Python path does every checkout (the tests run both).
CHECKOUT_IN_DATABASE = env.bool("CHECKOUT_IN_DATABASE", default=True)
HOLD_RELEASE_INTERVAL_SECONDS = env.int("HOLD_RELEASE_INTERVAL_SECONDS", default=15)
# A guest's order link (emailed, and shown on the order page) works this long; /orders/lookup/ sends a fresh one.
ORDER_LINK_MAX_AGE = env.int("ORDER_LINK_MAX_AGE", default=30 * 24 * 3600)
ORDER_LOOKUP_RATE_PER_ADDRESS = env.str("ORDER_LOOKUP_RATE_PER_ADDRESS", default="10/hour")
ORDER_LOOKUP_RATE_PER_ORDER = env.str("ORDER_LOOKUP_RATE_PER_ORDER", default="3/hour")

CELERY_BEAT_SCHEDULE = {
    "release-expired-holds": {
        "task": "commerce.orders.tasks.release_expired_holds",
        "schedule": float(HOLD_RELEASE_INTERVAL_SECONDS),
    },
    "clear-expired-sessions": {
        "task": "commerce.accounts.tasks.clear_expired_sessions",
        "schedule": 6 * 3600.0,
    },
    "payments-sweep": {
        "task": "commerce.payments.tasks.payments_sweep",
        "schedule": 300.0,
    },
    "notifications-sweep": {
        "task": "commerce.notifications.tasks.sweep",
        "schedule": float(env.int("NOTIFICATION_SWEEP_INTERVAL_SECONDS", default=60)),
    },
}

# --- Email and the notification outbox ------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))  # the filebased backend
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Live Store <orders@example.com>")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="store.example.com")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Refunds Stripe could not take, payments that arrived for a cancelled order, intents of cancelled
# orders: each is handled by a task queued on commit; beat's sweep (every 5 minutes) re-queues what
# is still undone this long after it was last tried (a lost enqueue, retries run out).
REFUND_SWEEP_GRACE_SECONDS = env.int("REFUND_SWEEP_GRACE_SECONDS", default=300)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_STALE_SECONDS = env.int("NOTIFICATION_STALE_SECONDS", default=300)

# --- Payments -------------------------------------------------------------------
# With no keys the store talks to localstripe on loopback (`make run` starts it);
# real keys switch the defaults to Stripe itself (STRIPE_API_BASE="" means Stripe).
LOCALSTRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105 - the fake server accepts any sk_ key
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default=LOCALSTRIPE_SECRET_KEY)
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
# Whoever knows it can sign a `payment_intent.succeeded` of their own: never a published value outside
# the embedded demo (localstripe signs with whatever `manage.py localstripe_webhook` registered).
STRIPE_WEBHOOK_SECRET = env.str(
    "STRIPE_WEBHOOK_SECRET", default=DEMO_SECRETS["STRIPE_WEBHOOK_SECRET"] if EMBEDDED else ""
)
_LOCALSTRIPE = STRIPE_SECRET_KEY == LOCALSTRIPE_SECRET_KEY
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="http://127.0.0.1:8420" if _LOCALSTRIPE else "")
STRIPE_JS_URL = env.str(
    "STRIPE_JS_URL",
    default=f"{STRIPE_API_BASE.rstrip('/')}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/",
)
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)

# --- Notifications ---------------------------------------------------------------
# With no Twilio account the SMS backend writes to the console (the embedded mode).
# TWILIO_API_BASE="" means Twilio itself; tests point it at a stub server on loopback.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="")
TWILIO_TIMEOUT = env.float("TWILIO_TIMEOUT", default=10.0)
SMS_BACKEND = env.str("SMS_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "console")
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US")
# SITE_URL (above) is the public origin Twilio calls: callback URLs and webhook signatures use it.

# --- Real time ---------------------------------------------------------------
# A page's signed topic list must be used within this many seconds of rendering
# (the socket reconnects with the same URL, so this bounds a page's live life too).
REALTIME_TOKEN_MAX_AGE = env.int("REALTIME_TOKEN_MAX_AGE", default=6 * 3600)
REALTIME_MAX_INBOUND_BYTES = env.int("REALTIME_MAX_INBOUND_BYTES", default=2048)
REALTIME_INBOUND_RATE = env.float("REALTIME_INBOUND_RATE", default=5.0)
REALTIME_INBOUND_BURST = env.int("REALTIME_INBOUND_BURST", default=20)
# Bounds on what one live socket may cost this process (realtime/hub.py): fragments kept for a socket
# whose snapshot is still being read, and bytes written to a socket its client has not taken yet.
# Past either, the socket is closed with 1013 and the page reconnects and heals from its snapshot.
REALTIME_MAX_BACKLOG = env.int("REALTIME_MAX_BACKLOG", default=1000)
REALTIME_MAX_SEND_BUFFER = env.int("REALTIME_MAX_SEND_BUFFER", default=1024 * 1024)
# Open live sockets one client address may hold in one server process (a household behind one NAT
# with many tabs stays well under it); the next is closed with 1013 and its page retries later.
REALTIME_MAX_SOCKETS_PER_ADDRESS = env.int("REALTIME_MAX_SOCKETS_PER_ADDRESS", default=50)
# Live fragments travel as Redis PUBLISH on "<prefix>:live:<topic>" (realtime/hub.py).
REALTIME_CHANNEL_PREFIX = REDIS_PREFIX
# Stock pushes within this window are coalesced into one per variant (0: push each change).
# Off in the embedded mode: the in-memory layer belongs to the server's event loop.
REALTIME_COALESCE_SECONDS = env.float("REALTIME_COALESCE_SECONDS", default=0.05 if REDIS_URL else 0.0)
# The server process's garbage collector (project/asgi.py): what start-up built is frozen, and
# collections of the young generations are rarer, so full collections (which walk every live
# socket's objects: ~0.3 s at 2,000 sockets) no longer pause pushes every few seconds.
GC_THRESHOLDS = tuple(env.list("GC_THRESHOLDS", cast=int, default=[10_000, 20, 100]))

# --- Support messaging ---------------------------------------------------------------
SUPPORT_RATE_LIMIT = env.int("SUPPORT_RATE_LIMIT", default=8)  # messages per person per window
SUPPORT_RATE_WINDOW = env.int("SUPPORT_RATE_WINDOW", default=30)  # seconds
# Guests' messages per network address per window (a new session per message escapes the per-person
# limit); higher than the per-person one, since people behind one office or phone network share it.
SUPPORT_ADDRESS_RATE_LIMIT = env.int("SUPPORT_ADDRESS_RATE_LIMIT", default=20)
SUPPORT_REPLY_NOTIFY_SECONDS = env.int("SUPPORT_REPLY_NOTIFY_SECONDS", default=180)  # unread this long: email
SUPPORT_PRESENCE_TTL = env.int("SUPPORT_PRESENCE_TTL", default=60)  # an agent without a heartbeat since: offline
SUPPORT_LINK_MAX_AGE = env.int("SUPPORT_LINK_MAX_AGE", default=30 * 24 * 3600)  # a guest's emailed link
CELERY_BEAT_SCHEDULE["support-replies-notify"] = {
    "task": "commerce.support.tasks.replies_notify",
    "schedule": float(env.int("SUPPORT_REPLY_CHECK_INTERVAL_SECONDS", default=60)),
}

# --- Ops dashboard -------------------------------------------------------------
OPS_UNPACKED_AFTER_HOURS = env.int("OPS_UNPACKED_AFTER_HOURS", default=24)  # paid but not packed since: a problem
OPS_HOLD_WARNING_SECONDS = env.int("OPS_HOLD_WARNING_SECONDS", default=180)  # holds expiring within: listed
OPS_PROBLEM_WINDOW_HOURS = env.int("OPS_PROBLEM_WINDOW_HOURS", default=24)  # failed payments/notifications since
OPS_REFRESH_SECONDS = env.int("OPS_REFRESH_SECONDS", default=30)  # the dashboard re-reads its panels (time moves on)
OPS_FEED_LIMIT = env.int("OPS_FEED_LIMIT", default=50)  # orders listed in the feed

# --- Search ------------------------------------------------------------------
# The database backend (PostgreSQL full text, plain matching on SQLite) unless
# ELASTICSEARCH_URL is set; when Elasticsearch fails, search falls back to the
# database for SEARCH_FALLBACK_SECONDS and the page says so.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="elasticsearch" if ELASTICSEARCH_URL else "database")
ELASTICSEARCH_INDEX = env.str("ELASTICSEARCH_INDEX", default="storefront-products")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=2.0)
# Plain application/json instead of the 8.x client's compatibility media type (OpenSearch and
# osmem-server reject it; Elasticsearch 8 accepts both).
ELASTICSEARCH_PLAIN_JSON = env.bool("ELASTICSEARCH_PLAIN_JSON", default=True)
SEARCH_PAGE_SIZE = env.int("SEARCH_PAGE_SIZE", default=12)
SEARCH_MAX_QUERY_LENGTH = env.int("SEARCH_MAX_QUERY_LENGTH", default=100)
SEARCH_FALLBACK_SECONDS = env.float("SEARCH_FALLBACK_SECONDS", default=30.0)
SEARCH_CHECK_INTERVAL_SECONDS = env.int("SEARCH_CHECK_INTERVAL_SECONDS", default=900)
CELERY_BEAT_SCHEDULE["search-consistency-check"] = {
    "task": "commerce.search.tasks.check_consistency",
    "schedule": float(SEARCH_CHECK_INTERVAL_SECONDS),
}

# --- Metrics ------------------------------------------------------------------
# /metrics (Prometheus). With METRICS_TOKEN set it wants "Authorization: Bearer <token>"; without,
# it answers direct requests (no X-Forwarded-For) from METRICS_ALLOWED_NETWORKS only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
# Task outcomes are counted in the worker: its own exporter serves them when a port is set.
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)
METRICS_WORKER_ADDR = env.str("METRICS_WORKER_ADDR", default="127.0.0.1")
# Set by deploy/docker-entrypoint.sh for a worker with an exporter: pool processes count into files there.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# --- Logging: JSON lines on stdout ----------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"request_id": {"()": "project.request_id.RequestIdFilter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
        "elastic_transport": {"level": "WARNING"},  # one INFO line per request otherwise
    },
}


# --- Secrets: a deployment brings its own, or does not start -----------------------------------
def _require_secrets() -> None:
    """Refuse to configure a web, worker or beat process (or any manage.py command) of the services
    mode whose secrets are missing or are the demo's, naming each variable to set."""
    if EMBEDDED:
        return
    from django.core.exceptions import ImproperlyConfigured

    values = {"SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET}
    wrong = [name for name, value in values.items() if not value or value == DEMO_SECRETS[name]]
    if wrong:
        raise ImproperlyConfigured(
            f"{' and '.join(wrong)} must be set to secret values of this deployment: with DATABASE_URL or "
            "REDIS_URL set (the services mode) the embedded demo's published values are refused. Generate one "
            "with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' (STRIPE_WEBHOOK_SECRET: the "
            "signing secret of your Stripe webhook endpoint, or any random value registered with localstripe)."
        )


_require_secrets()


def _check_store_money() -> None:
    """Refuse a currency Babel does not know, one finer than prices are stored, or an unknown locale."""
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_currency_precision, is_currency
    from django.core.exceptions import ImproperlyConfigured

    try:
        Locale.parse(STORE_LOCALE)
    except (UnknownLocaleError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"STORE_LOCALE {STORE_LOCALE!r} is not a locale Babel knows (en_US, de_DE...)."
        ) from exc
    if not is_currency(STORE_CURRENCY):
        raise ImproperlyConfigured(f"STORE_CURRENCY {STORE_CURRENCY!r} is not an ISO 4217 code (USD, EUR, JPY...).")
    if get_currency_precision(STORE_CURRENCY) > 2:  # the price columns' decimal places
        raise ImproperlyConfigured(
            f"STORE_CURRENCY {STORE_CURRENCY} has {get_currency_precision(STORE_CURRENCY)} decimals; "
            "prices are stored with at most 2."
        )


_check_store_money()
