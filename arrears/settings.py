"""Arrears settings: environment variables only (12-factor).

Every default gives the embedded mode: SQLite under ``var/``, the database task
backend, local files. Production sets ``ARREARS_ENV=production`` plus
``DATABASE_URL``, ``SECRET_KEY``, ``ARREARS_FIELD_KEYS`` and ``ALLOWED_HOSTS``.
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ARREARS_VAR_DIR", BASE_DIR / "var"))

PRODUCTION = os.environ.get("ARREARS_ENV", "development") == "production"

# Reproducible PDFs: where the system lacks HarfBuzz's subsetter, WeasyPrint subsets fonts with
# fontTools, which stamps each embedded font with the current time unless this is set. The same
# evidence packet must give the same bytes (docs/evidence.md), whatever second it is rendered in.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
# Debug pages (tracebacks, settings) only when a developer asks for them: `ARREARS_DEBUG=1`. Everyone
# else, a small business included, gets the friendly 404 and 500 pages, in development too.
DEBUG = os.environ.get("ARREARS_DEBUG", "0") == "1" and not PRODUCTION


# Production never falls back to a generated secret or to SQLite: a missing one stops startup with one
# clear line (no traceback), naming every missing variable at once.
PRODUCTION_REQUIRED = ("SECRET_KEY", "ARREARS_FIELD_KEYS", "DATABASE_URL", "ALLOWED_HOSTS")
if PRODUCTION and (_missing := [n for n in PRODUCTION_REQUIRED if not os.environ.get(n, "").strip()]):
    sys.stderr.write(f"arrears: ARREARS_ENV=production needs {', '.join(_missing)} (docs/security.md)\n")
    raise SystemExit(2)


def _env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _dev_secret(name: str, make) -> str:
    """A secret kept in var/ so that restarts in dev keep sessions and encrypted data readable."""
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name.lower()
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
# Field encryption keys, newest first, comma separated (Fernet keys). Rotation: prepend a new key,
# run `arrears rotate-keys`, then drop the old one.
FIELD_ENCRYPTION_KEYS = _env_list("ARREARS_FIELD_KEYS", "") or [
    _dev_secret("ARREARS_FIELD_KEYS", lambda: Fernet.generate_key().decode())
]
# Keyed hash for equality lookups on encrypted values (dedupe by national id). Not rotated with
# the encryption keys, because rotating it would re-key every lookup.
FIELD_HASH_KEY = os.environ.get("ARREARS_HASH_KEY") or SECRET_KEY
# Keys the audit chain (HMAC-SHA256) with a secret kept outside the database, so that whoever can write
# the database cannot rewrite the log unseen. Empty: plain SHA-256 (docs/security.md).
AUDIT_CHAIN_KEY = os.environ.get("ARREARS_AUDIT_KEY", "")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "ninja",  # the API's docs page is served from ninja's own templates and static files (no CDN)
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "arrears.core",
    "arrears.tenancy",
    "arrears.audit",
    "arrears.debtors",
    "arrears.accounts",
    "arrears.ledger",
    "arrears.attempts",
    "arrears.compliance",
    "arrears.contact",
    "arrears.payments",
    "arrears.imports",
    "arrears.scoring",
    "arrears.documents",
    "arrears.reports",
    "arrears.strategies",
    "arrears.workbench",
    "arrears.portal",
    "arrears.api",
    "arrears.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "arrears.core.middleware.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "arrears.workbench.middleware.OrganizationTimeZoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "arrears.workbench.middleware.MfaEnrolmentMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it answers a locked-out sign-in
]

# Content-Security-Policy (Django's own): scripts and styles only from our static files. No inline
# <script>, <style>, style="" or on*="" anywhere: put them in a static file (docs/security.md).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

ROOT_URLCONF = "arrears.urls"
WSGI_APPLICATION = "arrears.wsgi.application"
ASGI_APPLICATION = "arrears.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "arrears" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "arrears.workbench.context_processors.principal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'arrears.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection is checked before a request reuses it: a restarted database costs no error.
        conn_health_checks=int(os.environ.get("CONN_MAX_AGE", "0")) > 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the in-process worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write locks inside transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # A file, not memory: Django's live server shares one in-memory connection across its request
    # threads, and the browser tests load several htmx panels at once.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME", str(VAR_DIR / "test.sqlite3"))}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for Arrears' sessions (libpq `options`; empty keeps the server's). Batch readers
    # fetch a chunk's rows with `col = ANY(ids)`: PostgreSQL's default random_page_cost (4, tuned for
    # spinning disks) makes it scan a whole table of contact points rather than probe its index 2,000
    # times, 6× slower at 100,000 debtors and growing with the table. 1.1 is the usual value for SSDs
    # and for data that fits in memory, which is how a collection database runs today.
    # A connection pool per web process (psycopg_pool, Django's own support), for `arrears serve`: under
    # ASGI each request runs in its own context, so CONN_MAX_AGE's persistent connections are never
    # reused and pile up until PostgreSQL refuses clients. ARREARS_DB_POOL=MIN:MAX (e.g. 2:10).
    if pool := os.environ.get("ARREARS_DB_POOL", "").strip():
        low, _, high = pool.partition(":")
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django requires it with a pool
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(low or 1),
            "max_size": int(high or low or 10),
        }
    session = os.environ.get("ARREARS_PG_SESSION_OPTIONS", "-c random_page_cost=1.1").strip()
    if session:
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} {session}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["arrears.formats"]  # one date format everywhere: 2026-03-10 14:00 EDT

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
WHITENOISE_USE_FINDERS = not PRODUCTION  # dev and tests serve straight from the apps, no collectstatic needed
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"  # never routed: stored files are served only by permission-checked views
# The account import's validation pass: worker processes (0: one per core) for files of at least
# IMPORT_PARALLEL_MIN_BYTES; smaller files are parsed in the importing process.
IMPORT_WORKERS = int(os.environ.get("ARREARS_IMPORT_WORKERS", "0"))
IMPORT_PARALLEL_MIN_BYTES = int(os.environ.get("ARREARS_IMPORT_PARALLEL_MIN_BYTES", 8 * 1024 * 1024))
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", 25 * 1024 * 1024))
RECORDING_MAX_BYTES = int(os.environ.get("RECORDING_MAX_BYTES", 200 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# REST API: requests per token per window, `COUNT/SECONDS` (a fixed window counted in Django's cache).
API_RATE_LIMIT = os.environ.get("ARREARS_API_RATE_LIMIT", "100/1")

# Django's cache, where the API's rate limits count: local memory by default, which counts per web
# process; with several processes or machines, a shared Redis (ARREARS_CACHE_URL=redis://host:6379/0).
if cache_url := os.environ.get("ARREARS_CACHE_URL", "").strip():
    if not cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"ARREARS_CACHE_URL must be a Redis URL (redis://, rediss:// or unix://), not {cache_url!r}"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "arrears",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Arrears <noreply@localhost>")


def _mailer(url: str) -> dict[str, object]:
    """EMAIL_URL picks the default mailer: smtp://user:pass@host:port (smtp+tls:// for STARTTLS,
    smtps:// for implicit TLS), console://, locmem://, or anymail://<esp> (an ESP through django-anymail,
    e.g. anymail://amazon_ses or anymail://postmark; its credentials come from ANYMAIL_* variables)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("console", "locmem"):
        return {"BACKEND": f"django.core.mail.backends.{scheme}.EmailBackend"}
    if scheme == "anymail":
        return {"BACKEND": f"anymail.backends.{parts.netloc}.EmailBackend"}
    if scheme not in ("smtp", "smtp+tls", "smtps"):
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {scheme!r}")
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": scheme == "smtp+tls",
            "use_ssl": scheme == "smtps",
            "timeout": 30,
        },
    }


MAILERS = {"default": _mailer(EMAIL_URL)}
ANYMAIL = {k.removeprefix("ANYMAIL_"): v for k, v in os.environ.items() if k.startswith("ANYMAIL_")}
# Contact (templates, outbox, channels): the public base URL for links in messages (unsubscribe, portal).
ARREARS_BASE_URL = os.environ.get("ARREARS_BASE_URL", "http://localhost:8000")
# Debtor portal: how long a signed link stays good, and how long a verified session may sit idle (seconds).
PORTAL_LINK_MAX_AGE = int(os.environ.get("ARREARS_PORTAL_LINK_MAX_AGE", str(30 * 24 * 3600)))
PORTAL_IDLE_SECONDS = int(os.environ.get("ARREARS_PORTAL_IDLE_SECONDS", "900"))
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "arrears.localhost")
EMAIL_UNSUBSCRIBE_MAILTO = os.environ.get("EMAIL_UNSUBSCRIBE_MAILTO", "")
EMAIL_WEBHOOK_SECRET = os.environ.get("EMAIL_WEBHOOK_SECRET", "")
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "twilio")
SMS_SEGMENT_LIMIT = int(os.environ.get("SMS_SEGMENT_LIMIT", "2"))
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
# Only to point the SDK elsewhere (a regional edge or a test stand-in); empty means api.twilio.com.
TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL", "")
TWILIO_STATUS_CALLBACK_URL = os.environ.get("TWILIO_STATUS_CALLBACK_URL", "")
# The public URL prefix Twilio calls (its signature covers the full URL), when behind a proxy.
TWILIO_WEBHOOK_BASE_URL = os.environ.get("TWILIO_WEBHOOK_BASE_URL", "")

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Sessions end after this many idle minutes: each request pushes the expiry on (docs/security.md).
SESSION_COOKIE_AGE = int(os.environ.get("ARREARS_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True

# Failed sign-ins (django-axes, docs/engineering-notes.md): every failure is stored (AccessFailureLog)
# and logged; after ARREARS_LOGIN_FAILURE_LIMIT failures for one username from one address, that pair
# is locked out for ARREARS_LOGIN_COOLOFF_MINUTES (429). Per pair, so a guesser cannot lock a
# colleague out from elsewhere, nor an office behind one address lock everybody out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ARREARS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ARREARS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False  # no "BEGIN" line on every command's stderr; failures still log (WARNING)
X_FRAME_OPTIONS = "DENY"

# Sign-in (django-allauth, docs/security.md): username and password at /login/, then a second factor
# (TOTP, a passkey or a recovery code) for whoever has one. Who must enrol is the organization's
# MFA policy (arrears.workbench.middleware.MfaEnrolmentMiddleware). Nobody signs up: staff are invited.
ACCOUNT_ADAPTER = "arrears.workbench.signin.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "arrears.workbench.signin.SocialAccountAdapter"
MFA_ADAPTER = "arrears.workbench.signin.MfaAdapter"  # TOTP keys and recovery seeds encrypted (field keys)
ACCOUNT_FORMS = {"login": "arrears.workbench.signin.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# The log-in page shows its form to a signed-in user too (as Django's did), to sign in as someone else.
ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = False
ACCOUNT_SESSION_REMEMBER = True  # sessions still end after SESSION_COOKIE_AGE idle (above)
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
# django-axes counts and locks out failed sign-ins (above); allauth's own counter would answer first.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("ARREARS_MFA_ISSUER", "Arrears")
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn without a secure origin works only on localhost; in production the site is HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# Single sign-on: each organization's OpenID Connect provider is built from its own settings
# (tenancy.SingleSignOn, secret encrypted), never from SOCIALACCOUNT_PROVIDERS or allauth's SocialApp table.
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every page it lays out, and fontTools every table it subsets, at INFO: a print
    # file of 2,000 letters would write thousands of lines that say nothing an operator needs.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
