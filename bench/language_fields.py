"""Why Spanish text has fields of its own: what one shared field would match by accident.

The two designs issue 12 names for searching two languages:

- one field, each document analysed in its language and each query word read in both: the
  query word's Spanish stem is then looked up among the English articles' Porter stems too;
- a field per language (ours, search/engine/languages.py): English articles are only ever read
  with the English analysis, Spanish ones with the Spanish.

Both find an English article through the English reading of a Spanish word ("presidente" is
Porter's "presid", as "president" is). Only the shared field also finds it through the Spanish
stem, where that stem is some other English word's Porter stem (Snowball's "march" of "marchan"
is Porter's "march" of "marched"). This counts those accidental matches: for every distinct word of
the Spanish articles' titles in tests/data/spanish_labelled.jsonl, the Reuters articles that hold
its Spanish stem as an English term while its English reading is another term.

    .venv/bin/python bench/language_fields.py [--corpus ../shared/corpus/reuters21578.jsonl]
"""

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.engine.languages import ENGLISH_ANALYZER, SPANISH_ANALYZER  # noqa: E402
from search.engine.snippets import WORD, make_term_of  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "spanish_labelled.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus" / "reuters21578.jsonl"


def english_document_frequencies(corpus: Path, term_of) -> Counter:
    """Each Porter term's number of Reuters articles."""
    frequencies = Counter()
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            words = {match.group().lower() for match in WORD.finditer(f"{record.get('title', '')} {record.get('body', '')}")}
            frequencies.update({term for word in words if (term := term_of(word))})
    return frequencies


def spanish_title_words(path: Path) -> set[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("language") == "es":
            words |= {match.group().lower() for match in WORD.finditer(record["title"]) if match.group().isalpha()}
    return words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"skipped: the Reuters corpus is not at {args.corpus}")
    english, spanish = make_term_of(ENGLISH_ANALYZER), make_term_of(SPANISH_ANALYZER)
    frequencies = english_document_frequencies(args.corpus, english)
    words = spanish_title_words(args.labelled)
    accidental = {}
    for word in sorted(words):
        stem, reading = spanish(word), english(word)
        if stem and stem != reading and frequencies[stem]:
            accidental[word] = (stem, frequencies[stem])
    searched = [word for word in words if spanish(word)]
    print(f"distinct words of the Spanish titles (no stop words): {len(searched)}")
    print(f"words whose Spanish stem is another word's English term in Reuters: {len(accidental)} "
          f"({len(accidental) / len(searched):.0%})")
    if accidental:
        counts = [count for _, count in accidental.values()]
        print(f"Reuters articles each such word would add in one shared field: median {statistics.median(counts):g}, "
              f"max {max(counts)}")
        worst = sorted(accidental.items(), key=lambda item: -item[1][1])[:12]
        print("most: " + ", ".join(f"{word} → {stem} ({count})" for word, (stem, count) in worst))
    print("with a field per language: 0 by construction (English articles are read only in English)")


if __name__ == "__main__":
    main()
