"""python -m articles.extraction.evaluate FILE.jsonl [--split TEST]: score extraction, no database."""
import argparse
import json
import time

from .evaluation import evaluate, format_report
from .matcher import EntityMatcher
from .organisations import reuters_org_code_slugs, seed_organisations


def read_records(path: str, split: str | None):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if split is None or record.get("split") == split:
                yield record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", help="JSON Lines with title, body, dateline, countries and orgs")
    parser.add_argument("--split", help="only records whose split is this (TRAIN, TEST, NOT-USED)")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    matcher = EntityMatcher(seed_organisations())
    print(f"matcher build seconds={time.perf_counter() - started:.2f}")
    report = evaluate(read_records(arguments.file, arguments.split), matcher, reuters_org_code_slugs())
    print(format_report(report))


if __name__ == "__main__":
    main()
