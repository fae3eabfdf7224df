"""Test settings: the project's settings, read from a test environment (temp data dir, plain HTTP)."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
if "DATA_DIR" not in os.environ:
    # The test run's own; its subprocesses (gunicorn, imports) inherit it, and it goes with the run.
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="newsarchive-tests-")
    atexit.register(shutil.rmtree, os.environ["DATA_DIR"], ignore_errors=True)
os.environ.setdefault("LOG_LEVEL", "WARNING")

from newsarchive.settings import *  # noqa: E402,F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory, so that subprocesses (gunicorn, an import killed mid-write) share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-database.sqlite3")}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A test-only app with a second SearchIndex (tests/engine_contract runs haystack's contract on it).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.contract_app"]  # noqa: F405
