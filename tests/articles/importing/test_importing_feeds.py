"""RSS and Atom feeds: one record per entry, and one rejection for a feed that is broken and empty."""

from datetime import UTC, datetime

from articles.importing.records import ArticleRecord, RejectedRecord, read_paths

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Hacktivism Wire</title><link>https://example.org/</link>
<item><title>Anonymous hits ministry</title><link>https://example.org/1</link>
<description>&lt;p&gt;First &amp;amp; foremost.&lt;/p&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</description>
<author>jane@example.org (Jane Doe)</author><pubDate>Fri, 04 Mar 2011 10:00:00 +0100</pubDate></item>
<item><title>LulzSec claims attack</title><link>https://example.org/2</link>
<description>Plain text.</description><pubDate>Sat, 05 Mar 2011 08:30:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title><id>urn:wire</id><updated>2011-03-05T00:00:00Z</updated>
<entry><title>First entry</title><id>urn:1</id><link href="https://example.org/a1"/><author><name>Ann Author</name></author>
<published>2011-03-04T10:00:00Z</published><updated>2011-03-06T10:00:00Z</updated>
<summary>The summary.</summary><content type="html">&lt;p&gt;The full text.&lt;/p&gt;</content></entry>
<entry><title>Second entry, updated only</title><id>urn:2</id><updated>2011-03-05T12:00:00+02:00</updated>
<summary>Only a summary.</summary></entry>
</feed>"""


def test_rss_2_entries_become_records_with_feed_title_as_source(tmp_path):
    path = tmp_path / "wire.rss"
    path.write_text(RSS, encoding="utf-8")

    first, second = read_paths([path])

    assert first == ArticleRecord(
        title="Anonymous hits ministry",
        body="First & foremost.\nSecond paragraph.",
        published_at=datetime(2011, 3, 4, 9, tzinfo=UTC),
        location=f"{path}#entry1",
        url="https://example.org/1",
        source="Hacktivism Wire",
        byline="jane@example.org (Jane Doe)",
    )
    assert (second.title, second.body, second.location) == ("LulzSec claims attack", "Plain text.", f"{path}#entry2")


def test_atom_entries_take_content_as_body_and_summary_beside_it(tmp_path):
    path = tmp_path / "wire.atom"
    path.write_text(ATOM, encoding="utf-8")

    first, second = read_paths([path])

    assert (first.body, first.summary, first.byline, first.url) == ("The full text.", "The summary.", "Ann Author", "https://example.org/a1")
    assert first.published_at == datetime(2011, 3, 4, 10, tzinfo=UTC)
    assert (second.body, second.summary) == ("Only a summary.", "")
    assert second.published_at == datetime(2011, 3, 5, 10, tzinfo=UTC)


def test_feed_is_recognised_by_its_start_whatever_its_extension(tmp_path):
    path = tmp_path / "wire.feed"
    path.write_text(RSS, encoding="utf-8")

    assert [record.location for record in read_paths([path])] == [f"{path}#entry1", f"{path}#entry2"]


def test_broken_feed_without_entries_is_one_rejection(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<rss version='2.0'><channel><title>Cut off", encoding="utf-8")

    [rejection] = read_paths([path])

    assert isinstance(rejection, RejectedRecord)
    assert rejection.location == str(path)
    assert rejection.reason.startswith("broken feed: ")


def test_well_formed_xml_that_is_no_feed_is_rejected(tmp_path):
    path = tmp_path / "catalog.xml"
    path.write_text("<?xml version='1.0'?><catalog><book>Title</book></catalog>", encoding="utf-8")

    assert list(read_paths([path])) == [RejectedRecord(str(path), "not an RSS or Atom feed")]


def test_broken_feed_with_entries_is_still_read(tmp_path):
    path = tmp_path / "sloppy.xml"
    path.write_text(RSS.replace("Plain text.", "Plain & text."), encoding="utf-8")

    assert [record.body for record in read_paths([path])] == ["First & foremost.\nSecond paragraph.", "Plain & text."]


def test_entry_without_date_is_rejected(tmp_path):
    path = tmp_path / "undated.xml"
    path.write_text(RSS.replace("<pubDate>Sat, 05 Mar 2011 08:30:00 GMT</pubDate>", ""), encoding="utf-8")

    assert list(read_paths([path]))[1] == RejectedRecord(f"{path}#entry2", "no publication date")
