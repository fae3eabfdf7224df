"""Walking the paths given: sorted, recursive, hidden files skipped, every file answered for."""

import json

from articles.importing.records import ArticleRecord, RejectedRecord, read_paths


def write_article(path, title):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"title": title, "published_at": "2011-03-04"}) + "\n", encoding="utf-8")


def test_directories_are_walked_in_sorted_order_without_hidden_files(tmp_path):
    for name in ["b.jsonl", "a/z.jsonl", "a/c.jsonl", ".hidden.jsonl", ".git/d.jsonl", "c/.e.jsonl"]:
        write_article(tmp_path / name, name)

    assert [record.title for record in read_paths([tmp_path])] == ["a/c.jsonl", "a/z.jsonl", "b.jsonl"]


def test_paths_are_read_in_the_order_given_and_a_named_hidden_file_is_read(tmp_path):
    write_article(tmp_path / "b.jsonl", "b")
    write_article(tmp_path / ".a.jsonl", "hidden")

    assert [record.title for record in read_paths([str(tmp_path / "b.jsonl"), tmp_path / ".a.jsonl"])] == ["b", "hidden"]


def test_unsupported_and_missing_files_are_rejected_not_raised(tmp_path):
    (tmp_path / "sheet.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "README").write_text("just words\n", encoding="utf-8")

    assert list(read_paths([tmp_path, tmp_path / "gone.jsonl"])) == [
        RejectedRecord(str(tmp_path / "README"), "unsupported file type '(no extension)'"),
        RejectedRecord(str(tmp_path / "sheet.csv"), "unsupported file type '.csv'"),
        RejectedRecord(str(tmp_path / "gone.jsonl"), "no such file or directory"),
    ]


def test_symlinked_directory_loop_is_walked_once(tmp_path):
    write_article(tmp_path / "a" / "x.jsonl", "x")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")

    assert [record.title for record in read_paths([tmp_path])] == ["x"]
    assert all(isinstance(record, ArticleRecord) for record in read_paths([tmp_path]))
