"""Quality on the labelled Spanish set (tests/data/spanish_labelled.jsonl, written and labelled for the project)."""
import json
from pathlib import Path

import pytest

from articles.extraction import EntityMatcher, seed_organisations
from articles.extraction.evaluation import evaluate, format_report
from articles.extraction.organisations import reuters_org_code_slugs

LABELLED = Path(__file__).resolve().parents[2] / "data" / "spanish_labelled.jsonl"


@pytest.fixture(scope="module")
def report():
    if not LABELLED.exists():
        pytest.skip(f"labelled Spanish set not found at {LABELLED}")
    with LABELLED.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    return evaluate(records, EntityMatcher(seed_organisations()), reuters_org_code_slugs())


def test_spanish_country_extraction_targets(report):
    countries = report.kinds["countries"]
    assert countries.f1 >= 0.90, format_report(report)
    assert countries.precision >= 0.88, format_report(report)


def test_spanish_organisation_recall(report):
    assert report.kinds["organisations"].recall >= 0.85, format_report(report)
