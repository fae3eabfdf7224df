"""The Spanish analysis stems with Snowball's C stemmer (``fused_analysis.spanish_stem``) and
must give exactly Whoosh's stems: the index holds Whoosh's, and Whoosh's own analyzer chain
(the paths the fused analyzer leaves to it) stems with Whoosh's."""

from pathlib import Path

import pytest
import Stemmer
from hypothesis import example, given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemFilter

from search.engine.fused_analysis import SPANISH_VOWELS, WHOOSH_SPANISH_STEM, spanish_stem, stemmer_of
from search.engine.languages import SPANISH_ANALYZER

SPANISH_WORD_LIST = Path("/usr/share/dict/spanish")  # Debian's wspanish (.ci/system-packages)
LETTERS = "abcdefghijklmnopqrstuvwxyzñ" + SPANISH_VOWELS + "0123456789_çøßαж中"
ENDINGS = ["", "amiento", "imiento", "aciones", "ación", "ión", "iones", "adora", "ador", "ancia", "logía", "ución",
           "encia", "amente", "mente", "idad", "ivo", "iva", "ando", "iendo", "yendo", "ar", "er", "ir", "ía", "ías",
           "ó", "aron", "ieron", "yeron", "ado", "ido", "os", "as", "es", "emos", "ábamos", "aríamos", "éis", "iéramos",
           "ísimo", "ista", "ismo", "s", "e", "a", "o"]  # fmt: skip
words = st.builds(lambda start, body, ending: start + body + ending, st.sampled_from(["", "a", "e", "o", "u", "i", "á", "ü"]),
                  st.text(alphabet=LETTERS, max_size=12), st.sampled_from(ENDINGS))  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(words)
@example("eoia")  # Snowball leaves it whole; Whoosh (NLTK's port) reads another region and stems it
@example("operaciones")
@example("policías")
def test_spanish_stems_are_whooshs(word):
    assert spanish_stem(word) == WHOOSH_SPANISH_STEM(word)


def test_words_where_the_stemmers_differ_get_whooshs_stem():
    """The reason for the two-vowel rule: without it, these would get Snowball's own stems."""
    snowball = Stemmer.Stemmer("spanish").stemWord
    differing = ["eoia", "oeoir", "iauido", "auia", "eoio"]
    assert all(snowball(word) != WHOOSH_SPANISH_STEM(word) for word in differing)
    assert [spanish_stem(word) for word in differing] == [WHOOSH_SPANISH_STEM(word) for word in differing]


@pytest.mark.skipif(not SPANISH_WORD_LIST.exists(), reason="Debian's Spanish word list (wspanish) is not installed")
def test_every_word_of_a_spanish_dictionary_stems_as_whoosh_stems_it():
    words = {line.strip().lower() for line in SPANISH_WORD_LIST.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert len(words) > 50_000
    assert [word for word in sorted(words) if spanish_stem(word) != WHOOSH_SPANISH_STEM(word)] == []


def test_the_spanish_analysis_stems_with_it():
    assert stemmer_of(StemFilter(lang="es")) is spanish_stem
    assert stemmer_of(StemFilter()) is not spanish_stem  # English: Whoosh's Porter stemmer
    assert [token.text for token in SPANISH_ANALYZER("Operaciones policiales en Veracruz")] == ["oper", "policial", "veracruz"]
