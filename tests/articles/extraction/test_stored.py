"""The extraction store: the matcher and gazetteer a child process built once, loaded from real files."""

import hashlib
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from articles.extraction import stored
from articles.extraction.entities import KnownEntity
from articles.extraction.gazetteer import PackedNames
from articles.extraction.matcher import EntityMatcher
from articles.extraction.organisations import seed_organisations

SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"
TEXTS = [
    ("Oil prices", "MEXICO CITY, March 3 - Pemex said Mexican oil output rose, the Energy Ministry said."),
    ("OPEC MEETS IN VIENNA", "VIENNA, March 3 - OPEC oil ministers met here. The EC and Nato were not there."),
    ("San Jose council", "SAN JOSE, Feb 26 - Costa Rica's central bank cut rates. The Costa Rican Treasury agreed."),
    ("Policía", "BOGOTÁ, 13 de abril.– La Policía Nacional de Colombia detuvo a dos hackers de Anonymous en la Operación Cartel."),
    ("Jordan scores", "Michael Jordan scored 40 as Chad Smith watched. Georgia Smith sang in Atlanta, Georgia."),
    ("Talks", "The Colombian Defence Ministry, the FBI and Interpol met the Milenio Group on Operation Zorblax and #OpPayback."),
    ("China plates", "Fine China plates and turkey breast sold well in Turkey, Chile and Argentina, and in Brazil."),
    ("", "PORTLAND, Ore., Feb 26 - The Federal Reserve Board and the International Monetary Fund (IMF) said."),
]
NEW_ORGANISATION = KnownEntity("Zorblax Liberation Front", "zorblax-liberation-front", ("ZLF",))
NEW_OPERATION = KnownEntity("Operation Quillfeather", "operation-quillfeather", ("OpQuillfeather",))


def texts() -> list[tuple[str, str]]:
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        pytest.skip(f"the seed articles are not under {SEEDS}: the loaded matcher would only be checked on short texts")
    return [tuple(path.read_text(encoding="utf-8").partition("\n")[::2]) for path in seeds] + TEXTS


@pytest.fixture
def isolated_tables():
    """The test starts with no gazetteer installed from a store (an earlier test's would be kept
    otherwise); the tables and the store's memory are as they were again after it."""
    tables = stored.gazetteer_tables()
    held = {name: table._value for name, table in tables.items()}
    installed = dict(stored._installed)
    stored._installed["gazetteer"] = None
    yield tables
    for name, table in tables.items():
        table._value = held[name]
    stored._installed.update(installed)


def catalogue(*organisations: KnownEntity, operations=()) -> dict[str, list[KnownEntity]]:
    return {"organisations": [*seed_organisations(), *organisations], "operations": list(operations)}


def test_the_loaded_matcher_extracts_exactly_what_a_freshly_built_one_does(tmp_path, isolated_tables):
    known = catalogue(operations=[KnownEntity("Operation Cartel", "operation-cartel", ("OpCartel",))])
    for table in isolated_tables.values():  # the fresh matcher builds every table itself, here
        table.cache_clear()
    expected = [EntityMatcher(**known).extract(title, body) for title, body in texts()]
    builds = {name: table.builds for name, table in isolated_tables.items()}
    for table in isolated_tables.values():
        table.cache_clear()
    stored._installed["gazetteer"] = None

    loaded = stored.stored_matcher(tmp_path, known)

    assert [loaded.extract(title, body) for title, body in texts()] == expected
    assert {name: table.builds for name, table in isolated_tables.items()} == builds, "a table was built, not loaded"
    assert any(extraction.countries for extraction in expected) and any(extraction.organisations for extraction in expected)


def test_a_catalogue_change_gives_a_new_file_in_which_the_new_entities_are_found(tmp_path, isolated_tables):
    text = "The Zorblax Liberation Front claimed Operation Quillfeather, and the ZLF said more would follow."
    before = stored.stored_matcher(tmp_path, catalogue())
    after = stored.stored_matcher(tmp_path, catalogue(NEW_ORGANISATION, operations=[NEW_OPERATION]))

    assert sorted(path.name for path in tmp_path.glob("matcher-*.pickle")) == sorted(
        stored.stored_path(tmp_path, "matcher", stored.matcher_key(known)).name
        for known in (catalogue(), catalogue(NEW_ORGANISATION, operations=[NEW_OPERATION]))
    )
    assert "zorblax-liberation-front" not in before.extract("", text).organisations
    assert "zorblax-liberation-front" in after.extract("", text).organisations
    assert [(operation.name, operation.slug) for operation in after.extract("", text).operations] == [
        ("Operation Quillfeather", "operation-quillfeather")
    ]
    assert len(list(tmp_path.glob("gazetteer-*.pickle"))) == 1  # the gazetteer does not depend on the catalogue


def corrupt_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1000])


def corrupt_flipped_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def corrupt_foreign_key(path: Path) -> None:
    """A whole, well-formed file that holds another catalogue's matcher under this one's name."""
    header, _, payload = path.read_bytes().partition(b"\n")
    fields = header.split()
    fields[3] = hashlib.sha256(b"another catalogue").hexdigest().encode()
    path.write_bytes(b" ".join(fields) + b"\n" + payload)


def corrupt_garbage(path: Path) -> None:
    path.write_bytes(b"\x80\x05not a pickle at all")


@pytest.mark.parametrize("corrupt", [corrupt_truncated, corrupt_flipped_byte, corrupt_foreign_key, corrupt_garbage])
def test_a_corrupt_or_foreign_file_is_built_again_not_trusted(tmp_path, isolated_tables, corrupt):
    known = catalogue(NEW_ORGANISATION)
    stored.stored_matcher(tmp_path, known)
    path = stored.stored_path(tmp_path, "matcher", stored.matcher_key(known))
    corrupt(path)
    assert stored.read_stored(path, "matcher", stored.matcher_key(known)) is None

    matcher = stored.stored_matcher(tmp_path, known)

    assert "zorblax-liberation-front" in matcher.extract("", "The Zorblax Liberation Front said so.").organisations
    assert stored.read_stored(path, "matcher", stored.matcher_key(known)) is not None  # written again, whole


def test_a_corrupt_gazetteer_is_built_again(tmp_path, isolated_tables):
    stored.install_gazetteer(tmp_path)
    path = stored.stored_path(tmp_path, "gazetteer", stored.gazetteer_key())
    corrupt_truncated(path)
    stored._installed["gazetteer"] = None

    stored.install_gazetteer(tmp_path)

    assert stored.read_stored(path, "gazetteer", stored.gazetteer_key())["dateline_places"]["MEXICO CITY"] == "MX"


BUILDER = """
import logging, sys
logging.basicConfig(level=logging.INFO)
from articles.extraction import stored
from articles.extraction.organisations import seed_organisations
matcher = stored.stored_matcher(__import__("pathlib").Path(sys.argv[1]), {"organisations": seed_organisations(), "operations": []})
print(sorted(matcher.extract("", "The FBI met Interpol in Madrid.").organisations))
"""


def test_processes_that_want_the_same_files_at_once_build_them_once_and_all_read_them(tmp_path):
    """Three processes start on an empty store together: each gets a whole matcher; one file of each kind."""
    processes = [
        subprocess.Popen([sys.executable, "-c", BUILDER, str(tmp_path)], cwd=stored.PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], [err[-2000:] for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {"['federal-bureau-of-investigation', 'interpol']"}
    assert len(list(tmp_path.glob("gazetteer-*.pickle"))) == 1 and len(list(tmp_path.glob("matcher-*.pickle"))) == 1
    assert not list(tmp_path.glob(".*.tmp"))
    assert sum(err.count("built in") for _, err in outputs) == 2, "the lock let two processes build the same file"


def test_packed_names_answer_as_the_dict_they_were_packed_from():
    table = {"MEXICO CITY": "MX", "SAN JOSE": "US", "SAN": "XX", "SAN JOSE DEL CABO": "MX", "ŁÓDŹ": "PL", "A": "AA", "ZZ": "ZZ"}
    packed = PackedNames(table)

    assert dict(packed.items()) == table and len(packed) == len(table)
    for name in [*table, "SAN J", "SAN JOSE ", "MEXICO", "", "ŁÓD", "ÅLAND", "ZZZ", "0", None]:
        assert packed.get(name) == table.get(name) and (name in packed) == (name in table), name
    assert dict(pickle.loads(pickle.dumps(packed)).items()) == table


def test_an_organisation_added_in_the_database_gives_a_new_matcher_file_in_which_it_is_found(
    db, settings, tmp_path, isolated_tables, monkeypatch
):
    from articles import tagging
    from articles.models import Organisation
    from articles.tagging import entity_matcher

    settings.ENTITY_MATCHER_DIR = tmp_path
    monkeypatch.setattr(tagging, "_matcher_cache", {})  # an earlier test's matcher of the same catalogue
    text = "The Zorblax Liberation Front said the ZLF would strike again."
    assert "zorblax-liberation-front" not in entity_matcher().extract("", text).organisations

    Organisation.objects.create(name="Zorblax Liberation Front", slug="zorblax-liberation-front", aliases=["ZLF"])

    assert "zorblax-liberation-front" in entity_matcher().extract("", text).organisations
    assert len(list(tmp_path.glob("matcher-*.pickle"))) == 2
