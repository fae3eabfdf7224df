"""``ArchiveDATETIME``: a date is one term, and Whoosh's own range queries over it find what the
dates say, in an index written so and in one written with Whoosh's eight terms a date."""

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import DATETIME, ID, Schema
from whoosh.index import create_in, open_dir

from search.engine.backend import ArchiveDATETIME

FIRST = datetime(1987, 1, 1)
DATES = [FIRST + timedelta(minutes=random.Random(n).randrange(0, 60 * 24 * 400)) for n in range(300)]
DATES += DATES[:20]  # some documents share their date


def build(path, date_field):
    index = create_in(str(path), Schema(id=ID(stored=True, unique=True), published_at=date_field))
    writer = index.writer()
    for number, date in enumerate(DATES):
        writer.add_document(id=str(number), published_at=date)
    writer.commit()
    return index


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """Written with one term a date, and with Whoosh's tiers (an index from before), read now."""
    ours = build(tmp_path_factory.mktemp("one-term"), ArchiveDATETIME(sortable=True))
    tiered_path = tmp_path_factory.mktemp("tiered")
    build(tiered_path, DATETIME(sortable=True))
    read_now = open_dir(str(tiered_path), schema=Schema(id=ID(stored=True, unique=True), published_at=ArchiveDATETIME(sortable=True)))
    return {"one-term": ours, "tiered": read_now}


def test_a_date_is_one_term(indexes):
    with indexes["one-term"].reader() as reader:
        assert len(list(reader.lexicon("published_at"))) == len(set(DATES))
    with indexes["tiered"].reader() as reader:
        assert len(list(reader.lexicon("published_at"))) > 2 * len(set(DATES))  # what it saves


bounds = st.one_of(st.none(), st.integers(-2, 420).map(lambda days: FIRST + timedelta(days=days, hours=days % 24)))


@settings(max_examples=60, deadline=None)
@given(start=bounds, end=bounds, startexcl=st.booleans(), endexcl=st.booleans(), name=st.sampled_from(["one-term", "tiered"]))
def test_whooshs_own_range_queries_find_the_dates_in_range(indexes, start, end, startexcl, endexcl, name):
    index = indexes[name]
    field = index.schema["published_at"]
    text = lambda moment: moment.strftime("%Y%m%d%H%M%S")  # noqa: E731 - how haystack writes a bound
    q = field.parse_range("published_at", start and text(start), end and text(end), startexcl, endexcl)
    with index.searcher() as searcher:
        found = sorted(int(hit["id"]) for hit in searcher.search(q, limit=None))
    expected = sorted(
        number
        for number, date in enumerate(DATES)
        if (start is None or (date > start if startexcl else date >= start)) and (end is None or (date < end if endexcl else date <= end))
    )
    assert found == expected
