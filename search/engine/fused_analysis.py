"""Whoosh's analyzer chains run as one loop: the same tokens, a third of the time.

Whoosh runs a text through a chain of generators, one per filter, each touching every token, and
stems through a least-frequently-used cache written in Python. That was 59% of what an import's
writing processes did at 100,000 articles (py-spy, docs/performance.md). ``FusedAnalyzer`` holds
the same items as Whoosh's ``CompositeAnalyzer`` (so the schema's fingerprint and pickles are the
same shape) and, for the chains this archive uses (a ``RegexTokenizer`` then, in this order, any of
lowercase, character folding, stop words, ``SpanishSuffixAccents`` and stemming), computes each
token in one pass with a plain dictionary in front of the stemmer. Every other call (other chains,
``keeporiginal``, ``removestops=False``, ``no_morph``, untokenized values, options other than
``boosts``) is Whoosh's own.
``tests/search/engine/test_fused_analysis.py`` checks that both give the same tokens.
"""

import threading

import Stemmer  # PyStemmer: the Snowball project's stemmers, in C
from whoosh.analysis import CharsetFilter, CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.acore import Token
from whoosh.lang import stemmer_for_language
from whoosh.lang.snowball.spanish import SpanishStemmer

STEMS_KEPT = 200_000  # words whose stems each analyzer remembers; past that it starts afresh


class FusedAnalyzer(CompositeAnalyzer):
    def __call__(self, value, no_morph=False, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # fmt: skip
        plan = self.__dict__.get("_plan") or self._make_plan()
        if plan is None or no_morph or keeporiginal or not removestops or not tokenize or set(kwargs) - {"boosts"}:
            return super().__call__(value, no_morph=no_morph, positions=positions, chars=chars, keeporiginal=keeporiginal,
                                    removestops=removestops, start_pos=start_pos, start_char=start_char,
                                    tokenize=tokenize, mode=mode, **kwargs)  # fmt: skip
        return self._tokens(plan, value, positions, chars, start_pos, start_char, mode, kwargs)

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key not in ("_plan", "_stems")}

    def _make_plan(self):
        """What each step of the chain does, or False where the chain is not one this class fuses."""
        from .languages import SpanishSuffixAccents

        items = self.items
        order = [LowercaseFilter, CharsetFilter, StopFilter, SpanishSuffixAccents, StemFilter]
        tokenizer = items[0]
        if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
            self._plan = False
            return None
        steps = {}
        last = -1
        for item in items[1:]:
            kind = type(item)
            if kind not in order or order.index(kind) <= last:
                self._plan = False
                return None
            last = order.index(kind)
            steps[kind] = item
        stop = steps.get(StopFilter)
        stem = steps.get(StemFilter)
        self._stems = {}
        self._plan = {
            "expression": tokenizer.expression,
            "lower": LowercaseFilter in steps,
            "charmap": steps[CharsetFilter].charmap if CharsetFilter in steps else None,
            "stop": (stop.stops, stop.min, stop.max, stop.renumber) if stop is not None else None,
            "suffix_accents": SpanishSuffixAccents in steps,
            "stem": (stemmer_of(stem), stem.ignore) if stem is not None else None,
        }
        return self._plan

    def _tokens(self, plan, value, positions, chars, start_pos, start_char, mode, kwargs):
        assert isinstance(value, str), f"{value!r} is not unicode"
        token = Token(positions, chars, removestops=True, mode=mode, **kwargs)  # boosts: every token's is 1.0
        lower, charmap, stop, suffix_accents, stem = (
            plan["lower"], plan["charmap"], plan["stop"], plan["suffix_accents"], plan["stem"],
        )  # fmt: skip
        if stop is not None:
            stoplist, minsize, maxsize, renumber = stop
        if stem is not None:
            stem_word, ignore = stem
            stems = self._stems
        kept_pos = None  # StopFilter's renumbering: the first kept token keeps its position
        expression = plan["expression"]
        # Without character offsets the words alone will do: findall makes no match objects.
        words = expression.finditer(value) if chars or expression.groups else expression.findall(value)
        for pos, word in enumerate(words):
            text = word if isinstance(word, str) else word.group(0)
            if lower:
                text = text.lower()
            if charmap is not None:
                text = text.translate(charmap)
            if stop is not None:
                if len(text) < minsize or (maxsize is not None and len(text) > maxsize) or text in stoplist:
                    continue
            if suffix_accents and text.endswith(("cion", "sion")):
                text = f"{text[:-3]}ión"
            if stem is not None and text not in ignore:
                stemmed = stems.get(text)
                if stemmed is None:
                    if len(stems) >= STEMS_KEPT:
                        stems.clear()
                    stemmed = stems[text] = stem_word(text)
                text = stemmed
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                if stop is not None and renumber:
                    kept_pos = start_pos + pos if kept_pos is None else kept_pos + 1
                    token.pos = kept_pos
                else:
                    token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + word.start()
                token.endchar = start_char + word.end()
            yield token

def stemmer_of(stem_filter: StemFilter):
    """The function a ``StemFilter`` stems with, without its cache (``StemFilter.clear``, 2.7.5):
    for Spanish, the same stems from Snowball's C stemmer (``spanish_stem``)."""
    if not stem_filter.lang:
        return stem_filter.stemfn
    stem = stemmer_for_language(stem_filter.lang)
    return spanish_stem if isinstance(getattr(stem, "__self__", None), SpanishStemmer) else stem


WHOOSH_SPANISH_STEM = SpanishStemmer().stem
SPANISH_VOWELS = "aeiou\xe1\xe9\xed\xf3\xfa\xfc"  # Whoosh's SpanishStemmer's (2.7.5)
_snowball = threading.local()  # PyStemmer's stemmers are not to be shared between threads


def spanish_stem(word: str) -> str:
    """Whoosh's Spanish stem of ``word``, from Snowball's stemmer in C: 0.5 µs a new word
    where Whoosh's Python took 21 (16 of a two-word query's new words' 48 µs of analysis).

    The two differ only for some words that start with two vowels: Whoosh's (NLTK's port) tests
    ``word[:2] in vowels``, a substring of its vowels' string, and so finds another region RV
    in a word such as "eoia" (none of the 86,000 words of Debian's Spanish word list). Words
    that start with two vowels go to Whoosh's; every other word stems alike, the word list's
    and three million generated ones (tests/search/engine/test_spanish_stemmer.py)."""
    if len(word) > 1 and word[0] in SPANISH_VOWELS and word[1] in SPANISH_VOWELS:
        return WHOOSH_SPANISH_STEM(word)
    stemmer = getattr(_snowball, "spanish", None)
    if stemmer is None:
        stemmer = _snowball.spanish = Stemmer.Stemmer("spanish", 0)  # no cache: the analyzer keeps its own
    return stemmer.stemWord(word)
