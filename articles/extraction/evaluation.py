"""Scoring extraction against human labels (Reuters-21578 places and orgs), micro-averaged."""
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .matcher import EntityMatcher

TOP_ERRORS = 20


@dataclass
class KindScore:
    """Counts for one kind of entity; precision, recall and F1 derive from them."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: Counter = field(default_factory=Counter)
    false_hits: Counter = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def add(self, labelled: set[str], extracted: set[str]) -> None:
        self.true_positives += len(labelled & extracted)
        self.false_positives += len(extracted - labelled)
        self.false_negatives += len(labelled - extracted)
        self.misses.update(labelled - extracted)
        self.false_hits.update(extracted - labelled)


@dataclass
class EvaluationReport:
    kinds: dict[str, KindScore]
    articles: int
    seconds: float


def evaluate(records: Iterable[dict], matcher: EntityMatcher, org_code_to_slug: Mapping[str, str]) -> EvaluationReport:
    """Extract every record with a body and compare with its `countries` and `orgs` labels.

    Organisations are only judged among those the label vocabulary can name: a found
    "interpol" is neither right nor wrong against Reuters, which has no code for it.
    """
    scorable_slugs = set(org_code_to_slug.values())
    kinds = {"countries": KindScore(), "organisations": KindScore()}
    articles, seconds = 0, 0.0
    for record in records:
        if not (record.get("body") or "").strip():
            continue
        started = time.perf_counter()
        extraction = matcher.extract(record.get("title") or "", record["body"], record.get("dateline") or "")
        seconds += time.perf_counter() - started
        articles += 1
        kinds["countries"].add(set(record.get("countries") or ()), set(extraction.countries))
        labelled_orgs = {org_code_to_slug.get(code, code) for code in record.get("orgs") or ()}
        kinds["organisations"].add(labelled_orgs, set(extraction.organisations) & scorable_slugs)
    return EvaluationReport(kinds, articles, seconds)


def format_report(report: EvaluationReport) -> str:
    """One line of figures per kind, then its most frequent misses and false hits."""
    lines = []
    for kind, score in report.kinds.items():
        lines.append(f"{kind} precision={score.precision:.3f} recall={score.recall:.3f} f1={score.f1:.3f}")
    for kind, score in report.kinds.items():
        lines.append(f"{kind} top misses: " + ", ".join(f"{label} {count}" for label, count in score.misses.most_common(TOP_ERRORS)))
        lines.append(f"{kind} top false hits: " + ", ".join(f"{label} {count}" for label, count in score.false_hits.most_common(TOP_ERRORS)))
    lines.append(f"articles={report.articles} extraction_seconds={report.seconds:.2f}")
    return "\n".join(lines)
