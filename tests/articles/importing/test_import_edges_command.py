"""Issue 11, writing: a bad record never costs a good one its place, in its batch or a later one; the
command lists each rejection and counts them by kind; the admin refuses what the import refuses."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.importing.records import ArticleRecord, RejectedRecord, read_paths
from articles.importing.service import articles_import
from articles.models import Article, Organisation
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def story(number, **fields):
    return {"title": f"Story {number}", "body": f"Body {number}.", "published_at": "2011-03-04T10:00:00Z"} | fields


def write_jsonl(path, rows):
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows), encoding="utf-8")
    return path


def run_import(*paths, batch_size=500):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, paths), batch_size=batch_size, stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
    return code, out.getvalue(), err.getvalue()


def test_bad_records_cost_no_good_record_in_their_batch_or_a_later_one(tmp_path, search_index):
    path = tmp_path / "dump.jsonl"
    rows = [json.dumps(story(n)) for n in range(10)]
    rows[2] = json.dumps(story(2, title="Caf\\ud800")).replace("\\\\ud800", "\\ud800")
    rows[5] = json.dumps(story(5, published_at="9999-12-31T23:00:00-05:00"))
    rows[6] = json.dumps(story(6, published_at="0001-01-01T00:00:00+05:00"))
    rows[8] = json.dumps(story(8, countries=["XX"]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    code, out, err = run_import(path, batch_size=3)

    assert code == 1
    assert set(Article.objects.values_list("title", flat=True)) == {f"Story {n}" for n in (0, 1, 3, 4, 7, 9)}
    assert f"rejected {path}:3: 'title' is not valid Unicode: unpaired surrogate U+D800 at character 4" in err
    assert f"rejected {path}:6: date 9999-12-31T23:00:00-05:00 is out of range once converted to UTC" in err
    assert f"rejected {path}:7: date 0001-01-01T00:00:00+05:00 is out of range once converted to UTC" in err
    assert f"rejected {path}:9: unknown country code 'XX' in 'countries'" in err
    assert "  2 rejected: date out of range\n" in err
    assert "  1 rejected: invalid Unicode\n" in err
    assert "  1 rejected: unknown country code\n" in err
    assert "Imported 6 articles (6 new, 0 updated, 0 unchanged), rejected 4" in out


def test_an_empty_file_makes_the_import_fail_with_its_reason(tmp_path, search_index):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")

    code, out, err = run_import(path)

    assert code == 1
    assert f"rejected {path}: empty file: no records in it" in err
    assert "  1 rejected: empty file\n" in err


def test_dates_without_a_zone_are_counted_as_taken_as_utc(tmp_path, search_index):
    path = write_jsonl(tmp_path / "a.jsonl", [story(1, published_at="2011-03-04"), story(2)])

    code, out, _ = run_import(path)

    assert code == 0
    assert "1 dates named no time zone and were taken as UTC." in out
    assert Article.objects.get(title="Story 1").published_at == datetime(2011, 3, 4, tzinfo=UTC)


def test_an_unknown_country_code_rejects_the_record_instead_of_dropping_the_code(tmp_path, search_index):
    path = write_jsonl(tmp_path / "a.jsonl", [story(1, countries=["MX", "QQ"]), story(2, countries=["mx"])])

    summary = articles_import(read_paths([path]))

    assert summary.rejected == [RejectedRecord(f"{path}:1", "unknown country code 'QQ' in 'countries'")]
    assert list(Article.objects.values_list("title", flat=True)) == ["Story 2"]
    assert list(Article.objects.get().countries.values_list("code", flat=True)) == ["MX"]


def test_long_organisation_names_are_refused_and_never_merged(tmp_path, search_index):
    stem = "The International Federation of " + "Very " * 40
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [story(1, organisations=[stem + "Hackers"]), story(2, organisations=[stem + "Defenders"]), story(3, organisations=["Interpol"])],
    )

    summary = articles_import(read_paths([path]))

    assert [rejection.kind for rejection in summary.rejected] == ["name too long", "name too long"]
    assert not Organisation.objects.filter(name__startswith="The International Federation").exists()
    assert list(Article.objects.values_list("title", flat=True)) == ["Story 3"]


def test_names_without_latin_letters_become_separate_organisations(tmp_path, search_index):
    path = write_jsonl(tmp_path / "a.jsonl", [story(1, organisations=["Хакеры"]), story(2, organisations=["黑客联盟"])])

    articles_import(read_paths([path]))

    first, second = (Article.objects.get(title=f"Story {n}").organisations.get() for n in (1, 2))
    assert (first.name, second.name) == ("Хакеры", "黑客联盟")
    assert first.slug != second.slug and first.slug.startswith("organisation-")


def test_two_records_with_one_url_in_a_batch_update_instead_of_failing_it(tmp_path, search_index):
    url = "https://example.org/a"
    path = write_jsonl(tmp_path / "a.jsonl", [story(1, url=url), story(2, url=url), story(3)])

    summary = articles_import(read_paths([path]))

    assert (summary.created, summary.updated, summary.rejected) == (2, 1, [])
    assert set(Article.objects.values_list("title", flat=True)) == {"Story 2", "Story 3"}


def test_two_copies_of_an_article_at_two_urls_in_a_batch_do_not_fail_it(tmp_path, search_index):
    path = write_jsonl(tmp_path / "a.jsonl", [story(1, url="https://a.example/1"), story(1, url="https://b.example/1"), story(2)])

    summary = articles_import(read_paths([path]))

    assert (summary.imported, summary.rejected) == (3, [])
    assert Article.objects.count() == 2


def test_a_record_the_database_refuses_is_rejected_alone(tmp_path, search_index):
    ArticleFactory(title="Taken", slug="story-2-taken")
    good = ArticleRecord(title="Story 1", body="", published_at=datetime(2011, 3, 4, tzinfo=UTC), location="x:1")
    clash = ArticleRecord(title="Story 2", body="", published_at=datetime(2011, 3, 4, tzinfo=UTC), location="x:2")
    from articles.importing import service

    original = service.record_slug
    service.record_slug = lambda record, fingerprint: "story-2-taken" if record is clash else original(record, fingerprint)
    try:
        summary = articles_import([good, clash])
    finally:
        service.record_slug = original

    assert summary.created == 1
    assert [(rejection.location, rejection.kind) for rejection in summary.rejected] == [("x:2", "refused by the database")]
    assert summary.rejected[0].reason.startswith("cannot be saved: ")
    assert Article.objects.filter(title="Story 1").exists()


def test_the_admin_refuses_a_date_more_than_a_day_ahead_and_an_oversized_body(client, settings):
    settings.ARTICLE_MAX_BODY_CHARS = 100
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.org", "a-long-test-password"))
    article = ArticleFactory()
    url = f"/admin/articles/article/{article.pk}/change/"
    data = admin_form_data(client.get(url))

    future = datetime.now(UTC) + timedelta(days=3)
    response = client.post(url, data | {"published_at_0": f"{future:%Y-%m-%d}", "published_at_1": "12:00:00", "body": "x" * 101})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["published_at"] == [f"{future:%Y-%m-%d} 12:00 UTC is more than a day in the future"]
    assert errors["body"] == ["101 characters, over the 100 allowed (ARTICLE_MAX_BODY_CHARS)"]
    article.refresh_from_db()
    assert article.published_at.year == 2011
