"""Django settings for the selectorate web service, all taken from the environment.

* ``SELECTORATE_DATA_DIR``: where the SQLite database and the generated secret
  key live (default ``./selectorate-data``).
* ``DATABASE_URL``: any URL dj-database-url reads, e.g.
  ``postgres://user:pw@localhost/selectorate``; default SQLite in the data dir.
* ``SELECTORATE_SECRET_KEY``: the secret key; when unset one is generated once
  and kept in ``<data dir>/secret_key`` (fine for the demo, set it in production).
* ``SELECTORATE_ALLOWED_HOSTS``: comma-separated host names (default loopback).
* ``SELECTORATE_DEBUG=1``: debug mode (off otherwise).
* ``SELECTORATE_SECURE=1``: HTTPS-only cookies and HSTS (behind TLS in production).
* Static files are served by WhiteNoise from ``<data dir>/static``
  (``selectorate serve`` runs collectstatic there).
* ``SELECTORATE_EMAIL_BACKEND``: Django email backend (default: the console).
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SELECTORATE_DATA_DIR", "selectorate-data")).resolve()


def _secret_key() -> str:
    """The configured secret key, or one generated once and stored in the data dir."""
    key = os.environ.get("SELECTORATE_SECRET_KEY", "")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SELECTORATE_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SELECTORATE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "selectorate.web.elections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files (``selectorate serve`` collects them into the data dir).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "selectorate.web.urls"
WSGI_APPLICATION = "selectorate.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'selectorate.sqlite3'}",
        conn_max_age=60,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent voters: wait for the write lock instead of failing at once.
    # IMMEDIATE transactions take the write lock at BEGIN, so two voters never
    # deadlock upgrading read locks (Django >= 5.1).
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite.update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Error reports (mail to ADMINS, the debug page) show nothing of a voter's request.
DEFAULT_EXCEPTION_REPORTER_FILTER = "selectorate.web.elections.error_reports.VoterSafeFilter"

# Django's own logging stays as it is, but ``django.template`` never logs below
# INFO: its DEBUG records ("variable … does not exist") carry the page's whole
# context, which on the voting pages is a voter's code, choices or receipt.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"django.template": {"level": "INFO"}},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves STATIC_ROOT (made here, so it never warns of a missing folder); until
# collectstatic has filled it (tests, demo) it finds the files in the apps instead.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "elections").is_dir()

LOGIN_URL = "/admin/login/"

EMAIL_BACKEND = os.environ.get(
    "SELECTORATE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("SELECTORATE_FROM_EMAIL", "returning-officer@localhost")

# Secure defaults; cookies go HTTPS-only when the service runs behind TLS.
_SECURE = os.environ.get("SELECTORATE_SECURE", "") == "1"
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _SECURE:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_ORIGINS = os.environ.get("SELECTORATE_CSRF_TRUSTED_ORIGINS", "")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in _ORIGINS.split(",") if o.strip()]
