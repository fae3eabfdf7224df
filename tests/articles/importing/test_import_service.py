"""The write side of import_articles: batches, re-imports, rejections, tags and the index."""

import json

import pytest
from django.core.management import CommandError, call_command
from whoosh.writing import SegmentWriter

from articles.importing import service
from articles.importing.records import read_paths
from articles.importing.service import articles_import
from articles.models import Article, ArticleCountry, TagOrigin
from search.engine import merges, whoosh_internals
from search.indexing import reindex_articles, search_backend
from tests.search.helpers import MIXED_WORDS, facet_counts, index_answers, mixed_records, search

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def write_jsonl(path, rows):
    path.write_text("\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n")
    return path


ZETAS = {
    "title": "Hackers threaten the Zetas",
    "body": "Anonymous said it would expose the Zetas cartel in Mexico after a kidnapping in Veracruz.",
    "published_at": "2011-10-31T12:00:00Z",
    "url": "https://example.org/zetas",
    "source": "Example Wire",
}
ARRESTS = {
    "title": "Arrests in four countries",
    "body": "Police in Argentina, Chile, Colombia and Spain arrested suspected members of Anonymous.",
    "published_at": "2012-02-28",
    "countries": ["ar", "CL", "CO", "ES"],
    "organisations": ["Interpol", "A Brand New Working Group"],
    "operations": ["Operation Unmask"],
}


def test_import_writes_tags_and_makes_articles_findable(tmp_path, search_index):
    path = write_jsonl(tmp_path / "news.jsonl", [ZETAS, ARRESTS])
    summary = articles_import(read_paths([path]))
    assert (summary.created, summary.updated, len(summary.rejected)) == (2, 0, 0)

    zetas = Article.objects.get(url=ZETAS["url"])
    assert "MX" in zetas.countries.values_list("code", flat=True)
    assert set(ArticleCountry.objects.filter(article=zetas).values_list("origin", flat=True)) == {TagOrigin.EXTRACTED}
    assert zetas.extracted_at is not None

    arrests = Article.objects.get(title=ARRESTS["title"])
    assert set(arrests.countries.values_list("code", flat=True)) == {"AR", "CL", "CO", "ES"}
    assert set(ArticleCountry.objects.filter(article=arrests).values_list("origin", flat=True)) == {TagOrigin.EDITOR}
    assert {"interpol", "a-brand-new-working-group"} <= set(arrests.organisations.values_list("slug", flat=True))

    assert facet_counts(search("q=Zetas"), "country")["MX"] == 1
    assert search("operation=operation-unmask").total == 1


def test_reimporting_updates_instead_of_duplicating(tmp_path, search_index):
    path = write_jsonl(tmp_path / "news.jsonl", [ZETAS, ARRESTS])
    articles_import(read_paths([path]))
    changed = dict(ZETAS, title="Hackers threaten the Zetas cartel", body=ZETAS["body"] + " Volcano.")
    write_jsonl(path, [changed, ARRESTS])
    summary = articles_import(read_paths([path]))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert Article.objects.count() == 2
    assert search("q=volcano").total == 1


def test_bad_records_are_reported_and_the_rest_go_in(tmp_path, search_index):
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [ZETAS, "{not json", {"title": "", "body": "", "published_at": "2011-01-01"},
         {"title": "No date"}, {"title": "Headline only", "published_at": "2011-05-05"}],
    )  # fmt: skip
    with pytest.raises(CommandError) as raised:
        call_command("import_articles", str(path))
    assert raised.value.returncode == 1
    assert set(Article.objects.values_list("title", flat=True)) == {ZETAS["title"], "Headline only"}


def test_a_failing_batch_leaves_nothing_half_imported(tmp_path, search_index, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    from search.indexing import reindex_articles, search_backend

    search_backend().clear()  # an empty index, as after rebuild_index
    monkeypatch.setattr(service, "new_tags_create", broken)
    path = write_jsonl(tmp_path / "news.jsonl", [ZETAS, ARRESTS])
    with pytest.raises(RuntimeError):
        articles_import(read_paths([path]))
    assert Article.objects.count() == 0
    assert search("").total == 0


def test_editor_removals_survive_a_reimport(tmp_path, search_index):
    from articles.models import Country, TagKind
    from articles.tagging import editor_tags_changed

    path = write_jsonl(tmp_path / "news.jsonl", [ZETAS])
    articles_import(read_paths([path]))
    article = Article.objects.get(url=ZETAS["url"])
    mexico = Country.objects.get(code="MX")
    article.countries.remove(mexico)
    editor_tags_changed(article, kind=TagKind.COUNTRY, removed=[mexico.pk])
    write_jsonl(path, [dict(ZETAS, body=ZETAS["body"] + " More Mexico.")])
    articles_import(read_paths([path]))
    assert "MX" not in article.countries.values_list("code", flat=True)


def test_every_batch_is_indexed(tmp_path, search_index):
    rows = [dict(ZETAS, url=f"https://example.org/{n}", title=f"Story {n} about the Zetas") for n in range(25)]
    path = write_jsonl(tmp_path / "news.jsonl", rows)
    summary = articles_import(read_paths([path]), batch_size=10)
    assert summary.created == 25
    assert search("q=Zetas").total == 25


def answers_after_commits_of_five() -> dict:
    """Index every article afresh, five to a commit (as many small saves), then every query's
    matches (by slug) with their scores, and the facets and total of a browse."""
    search_backend().clear()
    pks = sorted(Article.objects.values_list("pk", flat=True))
    for start in range(0, len(pks), 5):
        reindex_articles(pks[start : start + 5])
    return index_answers()


@pytest.mark.archive_engine
def test_commits_that_merge_answer_as_with_whooshs_merge(tmp_path, search_index, monkeypatch):
    """Merged segments are read a block at a time (``ReaderSharingWriter``); commits that merge
    (Whoosh's policy, here from 5 documents) answer every query, score and facet as with Whoosh's
    own reading of them."""
    monkeypatch.setattr(merges, "BULK_WRITE", 5)
    articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", mixed_records(150))]))
    answers = {}
    for reading in ("whoosh", "blocks"):
        with monkeypatch.context() as patched:
            if reading == "whoosh":
                patched.setattr(whoosh_internals.ReaderSharingWriter, "add_postings_to_pool", SegmentWriter.add_postings_to_pool)
            read_by_blocks = []
            patched.setattr(whoosh_internals, "segment_postings", lambda leaf, read=whoosh_internals.segment_postings: read_by_blocks.append(leaf) or read(leaf))
            answers[reading] = answers_after_commits_of_five()
        assert bool(read_by_blocks) is (reading == "blocks")
    assert answers["blocks"]["total"] == 150
    assert all(answers["blocks"][text] for text in MIXED_WORDS)
    assert answers["blocks"] == answers["whoosh"]


def test_an_import_counts_up_pending_suggestions_and_leaves_decided_ones(tmp_path, search_index):
    from articles.models import OrganisationSuggestion, SuggestionStatus

    OrganisationSuggestion.objects.create(name="Monday Group", mentions=1, status=SuggestionStatus.REJECTED)
    rows = [dict(ZETAS, url=f"https://example.org/g{n}", title=f"Talks {n}",
                 body=f"Officials of the Zorblax Group met the Monday Group in Lima on day {n}.") for n in range(5)]  # fmt: skip
    articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", rows)]), batch_size=2)
    assert OrganisationSuggestion.objects.get(name="Zorblax Group").mentions == 5  # new in one batch, counted up in two
    assert OrganisationSuggestion.objects.get(name="Monday Group").mentions == 1
