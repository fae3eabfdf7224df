"""Plain text: the first line is the title, the date a ``Date:`` line or else the file's time."""

import os
from datetime import UTC, datetime

from articles.importing.records import RejectedRecord, read_paths


def test_first_line_is_title_and_date_line_gives_the_date(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("\n\nMinistry site defaced\r\nDate: 2011-03-04\r\n\r\nFirst paragraph.\r\n\r\nSecond.\r\n", encoding="utf-8")

    [record] = read_paths([path])

    assert record.title == "Ministry site defaced"
    assert record.body == "First paragraph.\n\nSecond."
    assert record.published_at == datetime(2011, 3, 4, tzinfo=UTC)


def test_without_date_line_the_file_modification_time_is_the_date(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Title\nBody text.\n", encoding="utf-8")
    os.utime(path, (1299232800, 1299232800))

    [record] = read_paths([path])

    assert record.body == "Body text."
    assert record.published_at == datetime(2011, 3, 4, 10, tzinfo=UTC)


def test_bad_date_line_and_undecodable_file_are_rejected(tmp_path):
    bad_date = tmp_path / "a.txt"
    bad_date.write_text("Title\nDate: 31/31/2011\nBody\n", encoding="utf-8")
    latin1 = tmp_path / "b.txt"
    latin1.write_bytes(b"Caf\xe9 opens\n")

    assert list(read_paths([bad_date, latin1])) == [
        RejectedRecord(str(bad_date), "date '31/31/2011' cannot be parsed"),
        RejectedRecord(str(latin1), "not UTF-8: byte 0xe9 at offset 3"),
    ]
