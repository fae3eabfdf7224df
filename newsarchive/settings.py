"""NewsArchive settings, read from the environment in this one place.

Safe defaults for a laptop (SQLite and a Whoosh index under ``data/``); none for secrets when
``DEBUG`` is off: ``SECRET_KEY`` must then come from the environment.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    """Read a boolean such as ``DEBUG=1`` or ``SECURE_SSL_REDIRECT=0``."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def haystack_connection(search_url: str) -> dict:
    """Turn ``SEARCH_URL`` into a haystack connection.

    ``whoosh:///abs/path`` is the embedded default, our engine; ``haystack+whoosh:///abs/path`` is
    haystack's stock Whoosh engine, the reference ours is tested against and a fallback;
    ``elasticsearch://host:9200/index`` and ``solr://host:8983/solr/core`` select haystack's own
    backends for larger deployments (docs/deployment.md says what each needs).
    """
    parsed = urlparse(search_url)
    if parsed.scheme in {"whoosh", "haystack+whoosh"}:
        if not parsed.path:
            raise ImproperlyConfigured(f"SEARCH_URL {parsed.scheme}:/// needs an absolute index path")
        if parsed.scheme == "haystack+whoosh":
            return {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine", "PATH": parsed.path, "INCLUDE_SPELLING": True}
        return {
            "ENGINE": "search.engine.backend.ArchiveWhooshEngine",
            "PATH": parsed.path,
            "INCLUDE_SPELLING": True,
            # Each article's text is analysed in its own language (search/engine/languages.py).
            "LANGUAGE_FIELD": "language",
            # Related articles (more_like_this): shared tags count beside shared words, an
            # operation most, a country least (search/engine/related.py).
            "MORE_LIKE_THIS_FIELDS": {"operations": 0.4, "organisations": 0.2, "countries": 0.05},
            # A search naming an entity finds its tagged articles too (search/service.py); the tag
            # adds 4 to such an article's score: on the entity topics, P@10 0.929 with 1 (what
            # Whoosh scores a tag), 0.943 with 4 (docs/ranking.md, "Entity queries").
            "QUERY_WEIGHTS": {"countries": 4.0, "organisations": 4.0, "operations": 4.0},
            # Relevance order re-ranked by pseudo-relevance feedback (search/engine/rerank.py): +0.030
            # on the topic evaluation's P@10, but 4-6 ms a new search, over budget; off unless asked.
            "FEEDBACK": env_flag("SEARCH_FEEDBACK", False),
            # Megabytes that each process's search caches (index arrays, filter masks, words,
            # document frequencies) hold together, each within its share (search/engine/segments.py).
            "CACHE_MB": int(os.environ.get("SEARCH_CACHE_MB", "160")),
            # rebuild_index commits once per batch and every commit merges segments: 5,000 articles
            # a batch rebuilt Reuters in 34 s against 62 s with haystack's default 1,000.
            "BATCH_SIZE": int(os.environ.get("SEARCH_BATCH_SIZE", "5000")),
            # Processes that write a rebuild (search/engine/parallel_writing.py): one per core, at
            # most 4, unless set; 1 writes in the rebuilding process itself.
            "INDEX_PROCESSES": int(os.environ["SEARCH_INDEX_PROCESSES"]) if os.environ.get("SEARCH_INDEX_PROCESSES") else None,
        }
    if parsed.scheme in {"elasticsearch", "elasticsearch7"}:
        index_name = parsed.path.strip("/") or "newsarchive"
        return {
            "ENGINE": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
            "URL": f"http://{parsed.netloc}/",
            "INDEX_NAME": index_name,
            "INCLUDE_SPELLING": True,
        }
    if parsed.scheme == "solr":
        return {
            "ENGINE": "haystack.backends.solr_backend.SolrEngine",
            "URL": f"http://{parsed.netloc}{parsed.path}",
            "INCLUDE_SPELLING": True,
        }
    raise ImproperlyConfigured(
        f"SEARCH_URL scheme {parsed.scheme!r} is not one of whoosh, haystack+whoosh, elasticsearch, solr"
    )


DEBUG = env_flag("DEBUG", False)
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and index live here

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(`make run` creates one in the data directory)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "articles",
    "search",  # before haystack: its rebuild_index builds aside on our engine
    "haystack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "newsarchive.refusals.RequestLengthMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "newsarchive.language.LocaleMiddleware",  # after sessions, before CommonMiddleware, as Django asks
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "search.middleware.SearchUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# Password guessing in the admin: lock a username from an address after repeated failures.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "newsarchive.urls"
WSGI_APPLICATION = "newsarchive.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'newsarchive.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while an editor or an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

HAYSTACK_CONNECTIONS = {
    "default": haystack_connection(os.environ.get("SEARCH_URL", f"whoosh://{DATA_DIR / 'whoosh_index'}"))
}
# Index updates are queued by search.signals and run after the transaction commits.
HAYSTACK_SIGNAL_PROCESSOR = "search.signals.ArticleSignalProcessor"
SEARCH_RESULTS_PER_PAGE = 20
# Whether a gunicorn worker's warm-up loads the entity matcher and its gazetteer from the
# extraction store (about 17 MB of its PSS at Reuters size, docs/memory.md) so that its first save
# does not wait for them (that save took 0.4-0.9 s longer without, in one run under load). Off (0)
# suits workers that only serve searches, such as a pool that nginx sends no admin requests to:
# they never load it. A worker with it off that does serve a save loads it then.
WARM_UP_ENTITY_MATCHER = env_flag("WARM_UP_ENTITY_MATCHER", True)
# Where the entity matcher and its gazetteer are stored, built once per catalogue and release by a
# child process, for every process that extracts to load (articles/extraction/stored.py). The files
# are unpickled: the directory must be private to the archive (it is created mode 0700).
ENTITY_MATCHER_DIR = Path(os.environ.get("ENTITY_MATCHER_DIR", DATA_DIR / "entity_matcher"))
# The longest query string the site reads, percent-encoded as sent ("é" takes 6 bytes, "中" 9):
# longer is a 414 from the site. gunicorn.conf.py and the nginx site let at least this through.
MAX_QUERY_STRING_BYTES = int(os.environ.get("MAX_QUERY_STRING_BYTES", "8192"))
# An article body (or summary) over this many characters is refused, at import and in the admin;
# the article page shows no more of one stored before this limit.
ARTICLE_MAX_BODY_CHARS = int(os.environ.get("ARTICLE_MAX_BODY_CHARS", "500000"))
# The languages (ISO 639-1) the archive expects its articles in: detection prefers them and names
# another language only when it is sure (articles/language.py, docs/language-detection.md).
ARTICLE_LANGUAGES = env_list("ARTICLE_LANGUAGES", "en,es,pt,fr,de,it,ca")
# Imports: a one-article file (HTML, text), a JSON Lines line or a feed entry over this many bytes is refused.
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(50 * 1024 * 1024)))

# The interface speaks English and Spanish: a reader's choice (the language cookie, set by the
# switcher) wins, then the browser's Accept-Language, then LANGUAGE_CODE. URLs carry no language.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["newsarchive.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Transport security: on unless DEBUG; SECURE_SSL_REDIRECT=0 allows plain HTTP on loopback.
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env_flag("CSRF_COOKIE_SECURE", SECURE_SSL_REDIRECT)
# The switcher's choice: no script reads it, and it is sent back to this site only.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_flag("BEHIND_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Pages carry no inline script or style: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"haystack": {"level": "WARNING"}},
}
