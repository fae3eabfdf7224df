"""Real processes for tests that run the site as operators do: manage.py commands and gunicorn."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(data_dir: Path, **extra) -> dict:
    """The environment of a production run (DEBUG off), on plain HTTP on loopback."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="newsarchive.settings",
        DATA_DIR=str(data_dir),
        SECRET_KEY="deployment-test-secret-" + "k" * 40,
        SECURE_SSL_REDIRECT="0",
        DEBUG="0",
        **extra,
    )
    return env


def manage(env, *args, check=False):
    completed = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check:
        assert completed.returncode == 0, f"manage.py {' '.join(args)}: {completed.stdout}{completed.stderr}"
    return completed


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


@contextmanager
def gunicorn(env, workers: int = 2, log=None):
    """gunicorn serving ``env`` on a free loopback port; yields the base URL and the process."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env | {"PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL,
        stderr=log if log is not None else subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                fetch(base + "/healthz")
                break
            except urllib.error.HTTPError:
                break  # it answers; the test decides what the answer should be
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # Refused until gunicorn listens; unanswered while its workers warm up (a busy machine).
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail("gunicorn did not start" + (": " + process.stderr.read().decode()[-2000:] if log is None else ""))
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)
