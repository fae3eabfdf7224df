"""Web pages: trafilatura's main text, title, author and date."""

from datetime import UTC, datetime

from articles.importing.records import ArticleRecord, RejectedRecord, read_paths

PAGE = """<!DOCTYPE html><html><head><title>Hackers deface ministry site | Example News</title>
<meta property="article:published_time" content="2011-03-04T11:15:00+01:00">
<meta name="author" content="Jane Doe"></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Hackers deface ministry site</h1>
<p>A group calling itself Anonymous defaced the website of the finance ministry on Friday, officials said.</p>
<p>The attack lasted three hours before the site was restored and the ministry filed a complaint.</p></article>
<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"""


def test_article_text_title_author_and_meta_date_are_read(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")

    [record] = read_paths([path])

    assert isinstance(record, ArticleRecord)
    assert record.title == "Hackers deface ministry site"
    assert record.body.startswith("A group calling itself Anonymous defaced")
    assert "restored" in record.body and "Home" not in record.body and "Copyright" not in record.body
    assert record.byline == "Jane Doe"
    assert record.published_at == datetime(2011, 3, 4, 10, 15, tzinfo=UTC)
    assert record.location == str(path)


def test_page_without_a_publication_date_is_rejected(tmp_path):
    path = tmp_path / "undated.htm"
    path.write_text(PAGE.replace('<meta property="article:published_time" content="2011-03-04T11:15:00+01:00">', ""), encoding="utf-8")

    assert list(read_paths([path])) == [RejectedRecord(str(path), "no publication date")]
