"""The fused analyzers (search/engine/fused_analysis.py) give exactly Whoosh's tokens: the same
words, positions, offsets, boosts, for every analysis the archive uses and every option Whoosh
passes, on real articles in both languages and on generated text full of the awkward cases."""

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StripFilter

from search.engine.fused_analysis import FusedAnalyzer
from search.engine.languages import ANALYZERS

DATA = Path(__file__).resolve().parents[2] / "data"
SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"

OPTIONS = [
    {"positions": True, "mode": "index"},
    {"positions": True, "boosts": True, "mode": "index"},  # as Whoosh's Positions format asks
    {"positions": True, "chars": True, "mode": "index"},
    {"positions": True, "start_pos": 7, "start_char": 100, "chars": True},
    {"mode": "query"},
    {"chars": True, "mode": "query"},
    {"positions": True, "removestops": False},  # Whoosh's own path
    {"positions": True, "keeporiginal": True},  # Whoosh's own path
    {"tokenize": False},  # Whoosh's own path
    {"no_morph": True, "positions": True},  # Whoosh's own path
    {"positions": True, "something_new": 1},  # Whoosh's own path
]


def tokens(analyzer_call, analyzer, text, options) -> list[tuple]:
    found = []
    for token in analyzer_call(analyzer, text, **options):
        found.append((
            token.text, token.boost, token.stopped,
            token.pos if options.get("positions") else None,
            (token.startchar, token.endchar) if options.get("chars") else None,
            getattr(token, "original", None) if options.get("keeporiginal") else None,
        ))  # fmt: skip
    return found


def same_tokens(text: str) -> None:
    for name, analyzer in ANALYZERS.items():
        assert isinstance(analyzer, FusedAnalyzer)
        for options in OPTIONS:
            ours = tokens(FusedAnalyzer.__call__, analyzer, text, options)
            whooshs = tokens(CompositeAnalyzer.__call__, analyzer, text, options)
            assert ours == whooshs, (name, options, text[:80])


def texts() -> list[str]:
    found = [json.loads(line)["body"] for line in (DATA / "spanish_labelled.jsonl").read_text().splitlines()[:150]]
    found += [path.read_text() for path in sorted(SEEDS.glob("*.txt"))] if SEEDS.is_dir() else []
    return found


def test_the_same_tokens_on_spanish_and_english_articles():
    found = texts()
    assert len(found) >= 100
    for text in found:
        same_tokens(text)


PIECES = list("abcdeñoíóúüÉÁNİıßẞﬁ") + ["\u0301", "\u0308", " ", ".", "-", "'", "\n", "1", "é"] + [
    " the ", " and ", " de ", " la ", " operacion ", " comisión ", " I ", " a ", " Estados ", " running ",
]
AWKWARD = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(AWKWARD)
def test_the_same_tokens_on_generated_text(text):
    """Stop words first and last, one-letter words, combining accents, letters whose lowercase is
    longer (İ), ligatures, dotted abbreviations, "-ción" endings."""
    same_tokens(text)


def test_a_pickled_analyzer_fuses_again():
    for analyzer in ANALYZERS.values():
        analyzer("warm the plan up")
        copy = pickle.loads(pickle.dumps(analyzer))
        assert "_plan" not in copy.__dict__
        assert [t.text for t in copy("Operaciones policiales en México")] == [
            t.text for t in CompositeAnalyzer.__call__(analyzer, "Operaciones policiales en México")
        ]
        assert copy.__dict__["_plan"]  # it fused


def test_a_chain_it_does_not_know_is_whooshs_own():
    unknown = FusedAnalyzer(RegexTokenizer(), StripFilter(), LowercaseFilter())
    out_of_order = FusedAnalyzer(RegexTokenizer(), StemFilter(), LowercaseFilter())
    for analyzer in (unknown, out_of_order):
        assert [t.text for t in analyzer("Running Dogs")] == [t.text for t in CompositeAnalyzer.__call__(analyzer, "Running Dogs")]
        assert analyzer.__dict__["_plan"] is False


@pytest.mark.parametrize("analysis", sorted(ANALYZERS))
def test_the_schema_fingerprint_names_the_same_chain(analysis):
    """``schema_version`` reads the chain's items: an index built before the fusion still opens."""
    analyzer = ANALYZERS[analysis]
    assert [type(item).__name__ for item in analyzer.items][:3] == ["RegexTokenizer", "LowercaseFilter", "CharsetFilter"]
    assert isinstance(analyzer, CompositeAnalyzer)
