"""Readers on several gunicorn workers, editors saving in the admin and an import, all at once.

Afterwards the index must match the database article by article (check_index), no request may
have failed, and every editor's save must be in the index.
"""

import json
from functools import partial
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import lxml.html
import pytest

from tests import servers
from tests.servers import ROOT, gunicorn, production_env

DURATION_SECONDS = 20


manage = partial(servers.manage, check=True)


def import_file(path: Path, count: int):
    words = "police hackers cartel ministry arrests servers leak statement court".split()
    rng = random.Random(7)
    with path.open("w") as out:
        for n in range(count):
            body = " ".join(rng.choice(words) for _ in range(120))
            out.write(json.dumps({"title": f"Wire story {n}", "body": body, "published_at": f"2013-0{n % 9 + 1}-1{n % 9}"}) + "\n")


class Editor:
    """A person in the admin, over real HTTP: log in, open an article, change its title, save."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def submit(self, path, changes):
        page = self.opener.open(self.base + path, timeout=30).read()
        # The largest POST form on the page: the admin header also holds a small logout form.
        form = max((f for f in lxml.html.fromstring(page).forms if f.method.upper() == "POST"), key=lambda f: len(f.inputs))
        values = dict(form.form_values())
        values.update(changes)
        request = urllib.request.Request(self.base + path, urllib.parse.urlencode(values).encode(), method="POST")
        try:
            return self.opener.open(request, timeout=60).geturl()
        except urllib.error.HTTPError as error:
            return f"HTTP {error.code}"

    def log_in(self):
        self.submit("/admin/login/?next=/admin/", {"username": "editor", "password": "a-long-editor-password"})


@pytest.mark.slow
def test_readers_editors_and_an_import_together_lose_nothing(tmp_path):
    env = production_env(tmp_path / "data")
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "--noinput")
    manage(env, "load_sample")
    manage(env, "rebuild_index", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "shell", "-v", "0", "-c",
           "from django.contrib.auth import get_user_model; "
           "get_user_model().objects.create_superuser('editor', 'e@example.org', 'a-long-editor-password')")  # fmt: skip
    article_ids = json.loads(manage(env, "shell", "-v", "0", "-c",
        "import json; from articles.models import Article; print(json.dumps(list(Article.objects.values_list('pk', flat=True))))"
    ).stdout)  # fmt: skip
    feed = tmp_path / "wire.jsonl"
    import_file(feed, 1500)

    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log, gunicorn(env, workers=3, log=log) as (base, _):
        failures, reads, saves = [], [], []
        stop = time.monotonic() + DURATION_SECONDS

        def read():
            rng = random.Random(threading.get_ident())
            while time.monotonic() < stop:
                query = rng.choice(["q=police", "q=cartel&country=MX", "", "organisation=anonymous", "q=wire", "from=2013"])
                try:
                    status = urllib.request.urlopen(f"{base}/api/search?{query}", timeout=30).status
                except urllib.error.HTTPError as error:
                    status = error.code
                reads.append(status)
                if status != 200:
                    failures.append(f"read {query}: {status}")

        def edit():
            try:
                edit_until_stop()
            except Exception as error:  # noqa: BLE001 - reported as a failure below
                failures.append(f"editor: {error!r}")

        def edit_until_stop():
            editor = Editor(base)
            editor.log_in()
            rng = random.Random(3)
            n = 0
            while time.monotonic() < stop:
                article_id = rng.choice(article_ids)
                title = f"Edited concurrently number {n} zebra{n}"
                where = editor.submit(f"/admin/articles/article/{article_id}/change/", {"title": title})
                if not where.endswith("/admin/articles/article/"):
                    failures.append(f"save {article_id}: {where}")
                saves.append((article_id, title))
                n += 1

        importer = subprocess.Popen([sys.executable, "manage.py", "import_articles", str(feed), "--batch-size", "250"],
                                    cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        threads = [threading.Thread(target=read) for _ in range(3)] + [threading.Thread(target=edit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out, err = importer.communicate(timeout=600)
    log = log_path.read_text()

    assert importer.returncode == 0, out + err
    assert "Imported 1500 articles" in out
    assert not failures, (failures[:10], log[log.find("Traceback") :][:3000])
    assert len(reads) > 50 and len(saves) >= 5
    assert "IndexBusy" not in log and "Traceback" not in log, log[-3000:]
    check = manage(env, "check_index", check=False)
    assert check.returncode == 0, check.stdout + check.stderr  # every article indexed as the database has it
    last_titles = {article_id: title for article_id, title in saves}
    titles = json.loads(manage(env, "shell", "-v", "0", "-c",
        "import json; from articles.models import Article; print(json.dumps(dict(Article.objects.values_list('pk', 'title'))))"
    ).stdout)  # fmt: skip
    for article_id, title in last_titles.items():
        assert titles[str(article_id)] == title
