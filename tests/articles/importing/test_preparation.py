"""An import's languages and extractions, worked out a batch ahead in a process of their own
(articles/importing/preparation.py), are what the importing process would have worked out."""

import json
from pathlib import Path

import pytest

from articles.importing import preparation
from articles.importing.records import read_paths
from articles.importing.service import articles_import
from articles.language import article_language
from articles.models import Article, LanguageOrigin, TagOrigin
from articles.tag_kinds import TAG_KINDS
from articles.tagging import entity_matcher

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATA = Path(__file__).resolve().parents[2] / "data"


def spanish_and_english_records(count: int) -> list[dict]:
    rows = []
    for n, line in enumerate((DATA / "spanish_labelled.jsonl").read_text().splitlines()[:count]):
        labelled = json.loads(line)
        row = {"title": labelled["title"], "body": labelled["body"], "url": f"https://example.org/{n}", "published_at": "2012-02-28"}
        if n % 4 == 3:
            row["language"] = "pt"  # the record's word stands
        rows.append(row)
    rows.append({"title": "Oil prices rise in Mexico and Venezuela", "body": "Pemex said on Monday that oil exports grew.",
                 "url": "https://example.org/oil", "published_at": "1987-03-02"})  # fmt: skip
    return rows


@pytest.fixture
def processes_started(monkeypatch):
    started = []
    executor = preparation.ProcessPoolExecutor
    monkeypatch.setattr(preparation, "ProcessPoolExecutor", lambda *args, **kwargs: started.append(1) or executor(*args, **kwargs))
    return started


def test_prepared_languages_and_tags_are_those_a_save_would_give(tmp_path, search_index, processes_started):
    rows = spanish_and_english_records(15)
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    summary = articles_import(read_paths([path]), batch_size=4)
    assert summary.created == len(rows) and processes_started == [1]  # batches 2-4 were prepared by the process

    matcher = entity_matcher()
    for row in rows:
        article = Article.objects.get(url=row["url"])
        if "language" in row:
            assert (article.language, article.language_origin) == (row["language"], LanguageOrigin.RECORD)
        else:
            expected = article_language(article.title, article.summary, article.body)
            assert (article.language, article.language_origin) == (expected, LanguageOrigin.DETECTED)
        extraction = matcher.extract(row["title"], row["body"], "")
        for kind in TAG_KINDS:
            through = kind.through.objects.filter(article=article, origin=TagOrigin.EXTRACTED)
            tagged = set(through.values_list(f"{kind.name}__{kind.key}", flat=True))
            found = {mention.slug for mention in extraction.operations} if kind.extraction_creates else set(getattr(extraction, kind.field))
            assert tagged == found, (kind.name, row["url"])
    assert Article.objects.filter(language="es").count() >= 8  # the Spanish articles were found Spanish


def test_a_one_batch_import_starts_no_process(tmp_path, search_index, processes_started):
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in spanish_and_english_records(3)))
    articles_import(read_paths([path]), batch_size=10)
    assert processes_started == [] and Article.objects.count() == 4


def test_a_failure_in_the_preparing_process_fails_the_import(tmp_path, search_index, monkeypatch):
    def broken(record, matcher):
        raise RuntimeError("the matcher broke")

    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in spanish_and_english_records(15)))
    original = preparation.record_prepared
    calls = []
    monkeypatch.setattr(preparation, "record_prepared", lambda record, matcher: calls.append(1) or original(record, matcher) if len(calls) < 4 else broken(record, matcher))
    with pytest.raises(RuntimeError, match="the matcher broke"):
        articles_import(read_paths([path]), batch_size=4)
    assert Article.objects.count() == 4  # the first batch, prepared here; no later one
