"""Settings, read from the environment once, here (README.md has a row for each variable).

With no environment at all the store runs in the embedded mode of
ARCHITECTURE.md (SQLite, in-memory channel layer, eager Celery, console
email/SMS). Setting DATABASE_URL and REDIS_URL switches to the services mode.
Structures made from what is read here live in small modules of their own: the data stores
(project/datastores.py), the Content-Security-Policy (project/content_policy.py), LOGGING (project/logs.py)
and the secrets check (project/secret_check.py).
"""

import warnings
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ

from project import content_policy
from project.datastores import caches, channel_layers, postgres_connections, sqlite
from project.logs import json_lines
from project.periodic import beat_schedule
from project.secret_check import require_secrets
from project.storage import media_storage, with_media_origins
from project.store_check import check_store_money

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
# deployment: it must bring its own (checked at the end).
EMBEDDED = not (DATABASE_URL or REDIS_URL)
DEMO_SECRETS = {
    "SECRET_KEY": "embedded-demo-only-not-a-secret",
    "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
}
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRETS["SECRET_KEY"] if EMBEDDED else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Every key and channel this store names in Redis starts with this (live fragments, the cache, presence);
# each pytest-xdist worker of a test run adds its name, so the run's two workers never meet either.
REDIS_PREFIX = env.str("CHANNEL_PREFIX", default="sf") + env.str("PYTEST_XDIST_WORKER", default="")

INSTALLED_APPS = [
    "daphne",
    *(f"django.contrib.{app}" for app in ("admin", "auth", "contenttypes", "sessions", "messages", "staticfiles")),
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # /sitemap.xml (commerce/catalog/sitemaps.py)
    "django.contrib.postgres",  # search lookups; inert on SQLite
    "channels",
    "django_htmx",
    "template_partials",
    "ninja",  # the JSON API (commerce/api/): its docs page's static files
    "import_export",  # the catalog's import and export in the admin (commerce/catalog/resources.py)
    "axes",  # sign-in lockouts: AUTHENTICATION_BACKENDS, MIDDLEWARE and the AXES_* settings below
    # The store's areas (commerce/<area>/), in the order their migrations build on each other.
    *(f"commerce.{area}" for area in ("accounts", "catalog", "cart", "inventory", "orders", "payments", "discounts")),
    *(f"commerce.{area}" for area in ("shipping", "tax", "notifications", "support", "search", "ops", "invoices")),
    *(f"commerce.{area}" for area in ("alerts", "reviews", "wishlist", "recommendations")),
    *(f"commerce.{area}" for area in ("api", "webhooks")),
]

MIDDLEWARE = [
    # First, so that every response (redirects and static files too) carries the id and is timed.
    "project.request_id.RequestIdMiddleware",
    "project.http_metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
# Each server process serves HTTP requests in this many threads, a whole request per thread (project/handler.py).
HTTP_THREADS = env.int("HTTP_THREADS", default=4)
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
    # A kept connection is checked before use: after PostgreSQL restarts, the next request gets a fresh one.
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    # A pool per process: a connection for each HTTP thread, and one for the sockets' queries.
    pool = (env.int("DATABASE_POOL_MIN", default=2), env.int("DATABASE_POOL_MAX", default=HTTP_THREADS + 2))
    postgres_connections(
        DATABASES["default"],
        pool=pool if env.bool("DATABASE_POOL", default=True) else None,
        max_age=env.int("CONN_MAX_AGE", default=0),
    )
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {"default": sqlite(Path(env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3"))))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer, sessions, Celery --------------------------------------
CACHES = caches(REDIS_URL, REDIS_PREFIX)
CHANNEL_LAYERS = channel_layers(REDIS_URL, REDIS_PREFIX)

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
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")  # tests give each real worker its own

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "catalog:list"
# AxesBackend first: it refuses a locked-out account or address before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in ["UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator"]
    + ["NumericPasswordValidator"]
]

# Sign-in lockouts (django-axes, counted in the database), per account and per client address.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account, and per address
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "commerce.accounts.lockout.address_of"  # project.clients: BEHIND_PROXY, PROXY_HOPS
AXES_USERNAME_FORM_FIELD = "username"  # the login forms' field (the email), also in the credentials axes builds
AXES_USERNAME_CALLABLE = "commerce.accounts.lockout.username_of"  # one count per account, however it is typed
AXES_LOCKOUT_CALLABLE = "commerce.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the logs; a row for each would only pile up
# Sign-up links (accounts/signup.py): rates in the `limits` library's notation, "<count>/<period>".
SIGNUP_RATE_PER_ADDRESS = env.str("SIGNUP_RATE_PER_ADDRESS", default="10/hour")
SIGNUP_RATE_PER_EMAIL = env.str("SIGNUP_RATE_PER_EMAIL", default="3/hour")
SIGNUP_LINK_MAX_AGE = env.int("SIGNUP_LINK_MAX_AGE", default=24 * 3600)  # also a confirm-this-address link
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)  # seconds a reset link works (once)

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
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)  # larger deployments serve MEDIA_ROOT elsewhere

# The Docker image runs collectstatic and sets STATIC_MANIFEST=1 for hashed,
# compressed, forever-cached files; elsewhere whitenoise serves from the finders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": media_storage(env.ENVIRON),  # this disk, or an S3-compatible store (project/storage.py)
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
PROXY_HOPS = max(1, env.int("PROXY_HOPS", default=1))  # read by project/clients.py
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Probes and the metrics scraper talk plain http to the pod itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = with_media_origins(content_policy.POLICY, env.ENVIRON)  # this origin (+ media's), no eval

# --- Store and orders ------------------------------------------------------------
STORE_NAME = env.str("STORE_NAME", default="Live Store")
# Prices are stored with two decimals: a currency with more (KWD, BHD...) is refused at start.
STORE_CURRENCY = env.str("STORE_CURRENCY", default="USD").upper()
# How amounts read (Babel/CLDR: symbol, its place, the digit marks): "$1,200.00" in en_US.
STORE_LOCALE = env.str("STORE_LOCALE", default="en_US")
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=12)
# Embedded: 0 (no cache); periodic jobs there run in another process, whose changes this cache never hears of.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=600 if REDIS_URL else 0)
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
ALERT_OFFER_MINUTES = env.int("ALERT_OFFER_MINUTES", default=60)  # back-in-stock: the next subscribers after
IMPORT_IMAGES_FROM_PRIVATE_HOSTS = env.bool("IMPORT_IMAGES_FROM_PRIVATE_HOSTS", default=False)  # catalog import URLs
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=99)
STOCK_HOLD_SECONDS = env.int("STOCK_HOLD_SECONDS", default=600)
CHECKOUT_IN_DATABASE = env.bool("CHECKOUT_IN_DATABASE", default=True)  # on PostgreSQL (commerce/orders/sql/)
HOLD_RELEASE_INTERVAL_SECONDS = env.int("HOLD_RELEASE_INTERVAL_SECONDS", default=15)
ORDER_LINK_MAX_AGE = env.int("ORDER_LINK_MAX_AGE", default=30 * 24 * 3600)  # a guest's order link
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)  # days after delivery a shopper may ask to return items
ORDER_LOOKUP_RATE_PER_ADDRESS = env.str("ORDER_LOOKUP_RATE_PER_ADDRESS", default="10/hour")
ORDER_LOOKUP_RATE_PER_ORDER = env.str("ORDER_LOOKUP_RATE_PER_ORDER", default="3/hour")
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)  # prices as entered hold the tax
TAX_PROVIDER = env.str("TAX_PROVIDER", default="commerce.tax.providers.RateTableProvider")  # commerce/tax/
SNAPSHOT_CHECK_SECONDS = env.float("SNAPSHOT_CHECK_SECONDS", default=1.0)  # trusting the terms (snapshots.py)
STORE_COUNTRY = env.str("STORE_COUNTRY", default="US").strip().upper()  # the cart's estimate until chosen
CODE_TIME_CHECK_INTERVAL_SECONDS = env.int("CODE_TIME_CHECK_INTERVAL_SECONDS", default=60)  # codes ending/starting

# --- Email and the notification outbox ------------------------------------------
_SMTP = "django.core.mail.backends.smtp.EmailBackend" if env.str("EMAIL_HOST", default="") else ""
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_SMTP or "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))  # the filebased backend
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Live Store <orders@example.com>")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="store.example.com")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # links in emails and texts; Twilio signs it
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_STALE_SECONDS = env.int("NOTIFICATION_STALE_SECONDS", default=300)
NOTIFICATION_SWEEP_INTERVAL_SECONDS = env.int("NOTIFICATION_SWEEP_INTERVAL_SECONDS", default=60)

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
# The port `make run` starts localstripe on (deploy/run-embedded.sh reads it back from STRIPE_API_BASE).
STRIPE_PORT = env.int("STRIPE_PORT", default=8420)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default=f"http://127.0.0.1:{STRIPE_PORT}" if _LOCALSTRIPE else "")
STRIPE_JS_URL = env.str(
    "STRIPE_JS_URL",
    default=f"{STRIPE_API_BASE.rstrip('/')}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/",
)
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)
# Refunds, late payments and intents of cancelled orders left undone this long are queued again by beat.
REFUND_SWEEP_GRACE_SECONDS = env.int("REFUND_SWEEP_GRACE_SECONDS", default=300)

# --- Text messages ---------------------------------------------------------------
# With no Twilio account the SMS backend writes to the console (the embedded mode).
# TWILIO_API_BASE="" means Twilio itself; tests point it at a stub server on loopback.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="")
TWILIO_TIMEOUT = env.float("TWILIO_TIMEOUT", default=10.0)
SMS_BACKEND = env.str("SMS_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "console")
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US")

# --- Real time ---------------------------------------------------------------
# A page's signed topic list works this long after rendering (reconnects reuse it: a page's live life).
REALTIME_TOKEN_MAX_AGE = env.int("REALTIME_TOKEN_MAX_AGE", default=6 * 3600)
REALTIME_MAX_INBOUND_BYTES = env.int("REALTIME_MAX_INBOUND_BYTES", default=2048)
REALTIME_INBOUND_RATE = env.float("REALTIME_INBOUND_RATE", default=5.0)
REALTIME_INBOUND_BURST = env.int("REALTIME_INBOUND_BURST", default=20)
# Bounds on what one live socket may cost this process (realtime/hub.py); past one, it is closed with 1013.
REALTIME_MAX_BACKLOG = env.int("REALTIME_MAX_BACKLOG", default=1000)
REALTIME_MAX_SEND_BUFFER = env.int("REALTIME_MAX_SEND_BUFFER", default=1024 * 1024)
REALTIME_MAX_SOCKETS_PER_ADDRESS = env.int("REALTIME_MAX_SOCKETS_PER_ADDRESS", default=50)
# Live fragments travel as Redis PUBLISH on "<prefix>:live:<topic>" (realtime/hub.py).
REALTIME_CHANNEL_PREFIX = REDIS_PREFIX
# Off in the embedded mode: the in-memory layer belongs to the server's event loop.
REALTIME_COALESCE_SECONDS = env.float("REALTIME_COALESCE_SECONDS", default=0.05 if REDIS_URL else 0.0)
GC_THRESHOLDS = tuple(env.list("GC_THRESHOLDS", cast=int, default=[10_000, 20, 100]))  # see project/asgi.py

# --- Support messaging ---------------------------------------------------------------
SUPPORT_RATE_LIMIT = env.int("SUPPORT_RATE_LIMIT", default=8)  # messages per person per window
SUPPORT_RATE_WINDOW = env.int("SUPPORT_RATE_WINDOW", default=30)  # seconds
# Guests' messages per network address per window (a new session per message escapes the per-person
# limit); higher than the per-person one, since people behind one office or phone network share it.
SUPPORT_ADDRESS_RATE_LIMIT = env.int("SUPPORT_ADDRESS_RATE_LIMIT", default=20)
SUPPORT_REPLY_NOTIFY_SECONDS = env.int("SUPPORT_REPLY_NOTIFY_SECONDS", default=180)  # unread this long: email
SUPPORT_REPLY_CHECK_INTERVAL_SECONDS = env.int("SUPPORT_REPLY_CHECK_INTERVAL_SECONDS", default=60)
SUPPORT_PRESENCE_TTL = env.int("SUPPORT_PRESENCE_TTL", default=60)  # an agent without a heartbeat since: offline
SUPPORT_LINK_MAX_AGE = env.int("SUPPORT_LINK_MAX_AGE", default=30 * 24 * 3600)  # a guest's emailed link

# --- Ops dashboard -------------------------------------------------------------
OPS_UNPACKED_AFTER_HOURS = env.int("OPS_UNPACKED_AFTER_HOURS", default=24)  # paid but not packed since: a problem
OPS_HOLD_WARNING_SECONDS = env.int("OPS_HOLD_WARNING_SECONDS", default=180)  # holds expiring within: listed
OPS_PROBLEM_WINDOW_HOURS = env.int("OPS_PROBLEM_WINDOW_HOURS", default=24)  # failed payments/notifications since
OPS_REFRESH_SECONDS = env.int("OPS_REFRESH_SECONDS", default=30)  # the dashboard re-reads its panels (time moves on)
OPS_FEED_LIMIT = env.int("OPS_FEED_LIMIT", default=50)  # orders listed in the feed

# --- Search ------------------------------------------------------------------
# The database backend unless ELASTICSEARCH_URL is set; the database serves too while Elasticsearch fails.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="elasticsearch" if ELASTICSEARCH_URL else "database")
ELASTICSEARCH_INDEX = env.str("ELASTICSEARCH_INDEX", default="storefront-products")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=2.0)
# Plain application/json, not the 8.x client's compatibility type (OpenSearch and osmem-server reject it).
ELASTICSEARCH_PLAIN_JSON = env.bool("ELASTICSEARCH_PLAIN_JSON", default=True)
SEARCH_PAGE_SIZE = env.int("SEARCH_PAGE_SIZE", default=12)
SEARCH_MAX_QUERY_LENGTH = env.int("SEARCH_MAX_QUERY_LENGTH", default=100)
SEARCH_FALLBACK_SECONDS = env.float("SEARCH_FALLBACK_SECONDS", default=30.0)
SEARCH_CHECK_INTERVAL_SECONDS = env.int("SEARCH_CHECK_INTERVAL_SECONDS", default=900)

# --- JSON API and outgoing webhooks ---------------------------------------------------
API_RATE_PER_TOKEN = env.str("API_RATE_PER_TOKEN", default="600/minute")  # calls with a token, per token
API_RATE_PER_ADDRESS = env.str("API_RATE_PER_ADDRESS", default="300/minute")  # calls without one, per address
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=20)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=100)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)  # seconds to connect and answer
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=10)  # then the delivery is failed (send again by hand)
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)  # loopback/private URLs (tests)

# --- Metrics ------------------------------------------------------------------
# /metrics wants "Authorization: Bearer <METRICS_TOKEN>" when set; else direct requests from these networks.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)
METRICS_WORKER_ADDR = env.str("METRICS_WORKER_ADDR", default="127.0.0.1")
# Set by deploy/docker-entrypoint.sh for a worker with an exporter: pool processes count into files there.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# Periodic jobs (beat; in process when embedded): each job and its interval setting in project/periodic.py.
CELERY_BEAT_SCHEDULE = beat_schedule(globals())

# --- Logs: JSON lines on stdout; errors also to Sentry when SENTRY_DSN is set (project/sentry.py) -----
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = json_lines(LOG_LEVEL)
SENTRY_DSN = env.str("SENTRY_DSN", default="")  # off when empty; started by project/asgi.py and project/celery.py
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")  # e.g. the image's git commit

# --- Secrets: a deployment brings its own, or does not start -----------------------------------
if not EMBEDDED:
    require_secrets({"SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET}, demo=DEMO_SECRETS)
check_store_money(STORE_CURRENCY, STORE_LOCALE)
