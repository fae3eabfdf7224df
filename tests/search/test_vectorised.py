"""The numpy evaluation matches and ranks exactly as Whoosh does on the same on-disk index."""

import pytest
from whoosh import query

from search.indexing import search_backend
from search.engine.scoring import evaluate, top_documents
from articles.sample_archive import sample_archive_load
from tests.conftest import index_everything

pytestmark = pytest.mark.archive_engine  # the engine's own arrays and segments


@pytest.mark.parametrize(
    "text",
    ["anonymous", "police arrested", "cartel OR interpol", "hackers -police", "NOT anonymous", "méxico", "zzzunknown"],
)
def test_matches_and_ranking_agree_with_whoosh(sample_snapshot, text):
    backend, snapshot = sample_snapshot
    parsed = backend.parse(text)
    mask, scores = evaluate(parsed, snapshot, scored=not isinstance(parsed, query.Not))
    whoosh_hits = snapshot.searcher.search(parsed, limit=None)
    assert set(mask.nonzero()[0].tolist()) == {hit.docnum for hit in whoosh_hits}
    if scores is not None and len(whoosh_hits):
        ours = top_documents(mask & snapshot.live, scores, 0, 10)
        theirs = [(hit.docnum, hit.score) for hit in whoosh_hits[:10]]
        assert [round(score, 4) for _, score in ours] == [round(score, 4) for _, score in theirs]


def test_a_date_range_is_read_from_the_column(sample_snapshot):
    backend, snapshot = sample_snapshot
    parsed = backend.parse("published_at:[20110101000000 to 20111231235959]")
    mask, _ = evaluate(parsed, snapshot, scored=False)
    assert mask.sum() > 0
    assert set(mask.nonzero()[0].tolist()) == set(parsed.docs(snapshot.searcher))


def test_a_phrase_is_left_to_whoosh(sample_snapshot):
    backend, snapshot = sample_snapshot
    parsed = backend.parse('"drug cartel"')
    mask, _ = evaluate(parsed, snapshot, scored=False)
    assert set(mask.nonzero()[0].tolist()) == set(parsed.docs(snapshot.searcher))


@pytest.mark.parametrize("narrow", ["countries:(MX)", "organisations:(anonymous)", "operations:(operation-unmask)",
                                    "django_ct:(articles.article)", "countries:(ZZ)"])  # fmt: skip
def test_a_facet_filter_is_a_slice_of_the_facet_arrays_and_matches_whoosh(sample_snapshot, narrow):
    backend, snapshot = sample_snapshot
    parsed = backend.parse(narrow)
    assert isinstance(parsed, query.Term) and parsed.fieldname in snapshot.value_fields
    mask, _ = evaluate(parsed, snapshot, scored=False)
    whoosh_docs = {hit.docnum for hit in snapshot.searcher.search(parsed, limit=None)}
    assert set((mask & snapshot.live).nonzero()[0].tolist()) == whoosh_docs
    if not narrow.endswith("(ZZ)"):
        assert whoosh_docs, f"the sample archive should have {narrow}"


@pytest.mark.parametrize("pairs_chunk", [1, 5, 32_768])
@pytest.mark.parametrize("fieldname", ["countries", "organisations", "operations", "year_month"])
def test_facet_counts_of_few_matches_are_the_counts_over_every_pair(sample_snapshot, fieldname, pairs_chunk, monkeypatch):
    """Few matches are counted from their own values (up to ``COUNTED_ONE_BY_ONE`` of them, one
    document at a time), many over every (document, value) pair, whatever the pairs counted at
    a time: the ways give the same counts, for no match, one, some, and all."""
    import numpy as np

    from search.engine import snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "PAIRS_CHUNK", pairs_chunk)
    _, snapshot = sample_snapshot
    assert pairs_chunk > 5 or len(snapshot.facet_postings(fieldname)[1]) > 2 * pairs_chunk  # several chunks
    rng = np.random.default_rng(5)
    masks = [np.zeros(snapshot.size, dtype=bool), snapshot.live.copy()]
    masks += [snapshot.live & (rng.random(snapshot.size) < share) for share in (0.05, 0.3, 0.7)]
    one = np.zeros(snapshot.size, dtype=bool)
    one[np.flatnonzero(snapshot.live)[3]] = True
    masks.append(one)
    counted = {}
    for factor, one_by_one, way in ((0, -1, "own values"), (10**9, -1, "every pair"), (0, 10**9, "one by one")):
        monkeypatch.setattr(snapshot_module, "FEW_MATCHES_FACTOR", factor)
        monkeypatch.setattr(snapshot_module, "COUNTED_ONE_BY_ONE", one_by_one)
        counted[way] = [snapshot.facet_counts(fieldname, mask) for mask in masks]
    expected = [counted_over_every_pair(snapshot, fieldname, mask) for mask in masks]
    assert counted["own values"] == counted["every pair"] == counted["one by one"] == expected
    assert any(counted["every pair"][1])


@pytest.mark.parametrize("one_by_one", [-1, 10**9])
@pytest.mark.parametrize("factor", [0, 10**9])
def test_one_searchs_matches_counted_for_every_field_give_each_fields_counts(sample_snapshot, factor, one_by_one, monkeypatch):
    """A search counts its facet fields over one ``MatchedDocuments`` (its count and numbers found
    once): each field's counts are those of its own pairs, whichever field listed them first."""
    import numpy as np

    from search.engine import snapshot as snapshot_module
    from search.engine.snapshot import MatchedDocuments

    monkeypatch.setattr(snapshot_module, "FEW_MATCHES_FACTOR", factor)
    monkeypatch.setattr(snapshot_module, "COUNTED_ONE_BY_ONE", one_by_one)
    _, snapshot = sample_snapshot
    rng = np.random.default_rng(11)
    fields = ["countries", "organisations", "operations", "year_month", "language"]
    for share in (0.0, 0.05, 0.5, 1.0):
        mask = snapshot.live & (rng.random(snapshot.size) < share)
        matches = MatchedDocuments(mask)
        for order in (fields, fields[::-1]):
            assert [snapshot.facet_counts(f, matches) for f in order] == [counted_over_every_pair(snapshot, f, mask) for f in order]


def counted_over_every_pair(snapshot, fieldname, mask) -> list[tuple[str, int]]:
    """The counts as the one plain way gives them: a bincount of the values of the matched pairs."""
    import numpy as np

    values, docs, value_ids = snapshot.facet_postings(fieldname)
    counts = np.bincount(value_ids[mask[docs]], minlength=len(values))
    return sorted(((values[v], int(n)) for v, n in enumerate(counts) if n), key=lambda pair: (-pair[1], pair[0]))


@pytest.mark.parametrize("pairs_chunk", [3, 32_768])
@pytest.mark.parametrize("factor", [0, 8, 10**9])
def test_facet_counts_of_most_documents_are_the_live_counts_less_the_unmatched_with_deletions(db, search_index, factor, pairs_chunk, monkeypatch):
    """A word in most documents is counted as every live document's counts less those of the live
    documents it misses; deleted documents, still in the segments' pairs, count in neither."""
    import numpy as np

    from articles.models import Article
    from search.engine import snapshot as snapshot_module
    from tests.factories import ArticleFactory, OrganisationFactory

    police = OrganisationFactory(name="Policía Federal")
    for n in range(24):
        ArticleFactory(title=f"Story {n}", countries=["MX"] if n % 3 else ["MX", "CL"], organisations=[police] if n % 4 else [])
    index_everything()
    for article in Article.objects.order_by("pk")[:5]:
        search_backend().remove(article)  # marked deleted in their segment, their pairs kept
    monkeypatch.setattr(snapshot_module, "FEW_MATCHES_FACTOR", factor)
    monkeypatch.setattr(snapshot_module, "PAIRS_CHUNK", pairs_chunk)
    snapshot = search_backend().snapshot()
    assert not snapshot.live.all()
    live_docs = np.flatnonzero(snapshot.live)
    masks = [snapshot.live.copy()]
    for missed in (live_docs[:2], live_docs[::4], live_docs[1::3]):  # a few misses, a quarter, a third
        mask = snapshot.live.copy()
        mask[missed] = False
        masks.append(mask)
    for fieldname in ("countries", "organisations"):
        for mask in masks:
            assert 2 * mask.sum() > snapshot.live.sum()
            assert snapshot.facet_counts(fieldname, mask) == counted_over_every_pair(snapshot, fieldname, mask)


def test_browsing_facet_counts_are_remembered_per_generation_and_follow_a_commit(db, search_index):
    """Counts of a search without words are the same until the next commit: the second browse
    reads them from the snapshot; a save makes a new generation, counted afresh."""
    from haystack.query import SearchQuerySet

    from articles.models import Country
    from tests.factories import ArticleFactory

    article = ArticleFactory(title="Hackers in Mexico")
    article.countries.add(Country.objects.get(code="MX"))
    index_everything()

    def browse():
        return dict(SearchQuerySet().facet("countries").facet_counts()["fields"]["countries"])

    first = browse()
    snapshot = search_backend().snapshot()
    remembered = [key for key, _ in snapshot._remembered.items() if key[0] == "facets"]
    assert first == {"MX": 1} and remembered
    assert browse() == first and search_backend().snapshot() is snapshot
    second = ArticleFactory(title="Hackers in Spain")
    second.countries.add(Country.objects.get(code="ES"))
    index_everything()
    assert browse() == {"MX": 1, "ES": 1}


FILTER_COMBINATIONS = [
    [],
    ["django_ct:(articles.article)"],
    ["countries:(MX)", "django_ct:(articles.article)"],
    ['(countries:("MX")) AND (organisations:("anonymous"))'],
    ['(countries:("MX")) AND ((organisations:("anonymous")) AND (django_ct:("articles.article")))'],
    ['(countries:("MX" OR "CO")) AND (NOT organisations:("anonymous"))', "django_ct:(articles.article)"],
    ["countries:(ZZ) AND organisations:(anonymous)"],
    ["anonymous AND countries:(MX)"],
]


@pytest.mark.parametrize("narrows", FILTER_COMBINATIONS)
def test_the_filtered_documents_are_the_live_ones_every_filter_matches_as_whoosh_finds_them(db, search_index, narrows):
    """Each filter remembered a bit a document, an ``And`` by its parts: the same documents as
    Whoosh's own search for every filter, deleted documents left out."""
    import numpy as np

    from articles.models import Article

    sample_archive_load()
    index_everything()
    search_backend().remove(Article.objects.filter(countries__code="MX").order_by("pk").first())
    backend = search_backend()
    snapshot = backend.snapshot()
    assert not snapshot.live.all()
    filters = [backend.parse(narrow) for narrow in narrows]
    for _ in range(2):  # computed, then remembered
        filtered = backend.matched_mask(snapshot, filters)
        assert filtered.dtype == bool and filtered.shape == (snapshot.size,)
        whoosh_docs = {hit.docnum for hit in snapshot.searcher.search(query.And(filters) if filters else query.Every(), limit=None)}
        assert set(np.flatnonzero(filtered).tolist()) == whoosh_docs
        filtered[:] = False  # the caller's own mask: changing it changes nothing remembered
    assert whoosh_docs or "ZZ" in narrows[0], "the sample archive has documents for these filters"


def test_a_joined_filter_is_remembered_by_its_parts_a_bit_a_document(sample_snapshot):
    """haystack joins a page's filters into one query; its parts are what recurs (a facet's own
    counts search with the other filters alone), so the join's parts are what is remembered."""
    backend, snapshot = sample_snapshot
    computed = []

    def compute(part):
        computed.append(part)
        return evaluate(part, snapshot, scored=False)[0]

    joined = backend.parse('(countries:("MX")) AND (organisations:("anonymous"))')
    alone = backend.parse('(countries:("MX"))')
    both = snapshot.filtered([joined], compute)
    assert computed == list(joined.subqueries) and alone in computed
    assert (snapshot.filtered([alone], compute) >= both).all()
    assert len(computed) == 2, "the part was remembered from the joined filter"
    remembered = {key[1]: value for key, value in snapshot._remembered.items() if key[0] == "filter bits"}
    assert set(remembered) == set(joined.subqueries)
    assert all(bits.nbytes == (snapshot.size + 7) // 8 for bits in remembered.values())
