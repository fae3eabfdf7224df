"""An index records the schema it was built for; code of another schema never answers from it wrongly."""

import pytest
from whoosh.filedb.filestore import FileStorage

from search.indexing import search_backend

from .helpers import search

pytestmark = pytest.mark.archive_engine  # index generations are the archive engine's



def switch_to_a_generation_of_another_schema():
    """What a rebuild by a newer release leaves: a live generation of another schema fingerprint."""
    backend = search_backend()
    folder = backend.folder
    name = folder.new_generation("a-newer-release")
    FileStorage(folder.generation_path(name)).create_index(backend.schema)
    folder.switch_to(name)
    return name


def test_a_worker_keeps_serving_its_generation_when_a_newer_release_switched(client, indexed):
    assert search("q=hackers").total == 3
    switch_to_a_generation_of_another_schema()
    assert search("q=hackers").total == 3, "a running worker answers from the generation it holds"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["index"].startswith("stale: the live index")


def test_a_new_worker_refuses_an_index_of_another_schema_and_a_rebuild_fixes_it(client, indexed):
    from django.core.management import call_command

    switch_to_a_generation_of_another_schema()
    search_backend().forget_snapshot()  # as a freshly started worker
    page = client.get("/", {"q": "hackers"})
    assert page.status_code == 503
    health = client.get("/healthz").json()
    assert "built for schema version a-newer-release" in health["index"] and "rebuild_index" in health["index"]
    call_command("rebuild_index", "--noinput", verbosity=0)
    assert client.get("/api/search", {"q": "hackers"}).json()["total"] == 3
    assert client.get("/healthz").status_code == 200
