"""Snippets find the index's matches (stemmed, accent-folded) and escape everything else."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from search.engine.backend import initial_of, term_of
from search.engine.snippets import snippet_html


def terms(*words):
    return frozenset(term_of(word) for word in words)


def test_stemmed_and_accented_forms_are_marked():
    html = snippet_html("Police arrested hackers in México and Mexico City.", terms("arrest", "mexico"), term_of)
    assert html == "Police <em>arrested</em> hackers in <em>México</em> and <em>Mexico</em> City."


def test_markup_in_the_text_is_escaped():
    html = snippet_html("<b>Hackers</b> & <script>x</script>", terms("hackers"), term_of)
    assert html == "&lt;b&gt;<em>Hackers</em>&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"


def test_two_passages_are_joined_by_an_ellipsis():
    text = "cartel " + "filler " * 60 + "middle " + "filler " * 60 + "cartel end"
    html = snippet_html(text, terms("cartel"), term_of, surround=20)
    assert html.count("<em>cartel</em>") == 2 and " … " in html
    assert len(html) < 200


def test_no_match_gives_no_snippet():
    assert snippet_html("Nothing here.", terms("cartel"), term_of) == ""


def test_porter_keeps_every_words_first_letter():
    """What ``initial_of`` relies on, over the 234,000 words of Webster's Second (english-words)."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], lower=True)
    assert len(words) > 200_000
    changed = [word for word in words if (term := term_of(word)) and term[0] != initial_of(word[0])]
    assert changed == []


def test_skipping_words_by_their_initial_changes_no_snippet():
    """The sample archive's articles, with queries of their own words in any case and accents:
    the snippets with the initial check are the snippets without it."""
    import json
    import random
    import re
    from pathlib import Path

    articles = json.loads((Path(__file__).resolve().parents[2] / "articles/sample/sample_archive.json").read_text())["articles"]
    texts = [f"{a['title']}\n{a.get('summary', '')}\n{a['body']}" for a in articles] + [
        "Éxito in México; ÆTHER and æther, İstanbul, Straße, ǅemal; ﬁnance and 'quoted' words."
    ]
    rng = random.Random(7)
    checked = 0
    for text in texts:
        words = re.findall(r"\w+", text)
        for _ in range(20):
            query = terms(*(word.swapcase() if rng.random() < 0.3 else word for word in rng.sample(words, min(3, len(words)))))
            query = frozenset(term for term in query if term)
            plain = snippet_html(text, query, term_of)
            assert snippet_html(text, query, term_of, initial_of=initial_of) == plain
            checked += bool(plain)
    assert checked > 100


def test_a_word_with_a_combining_accent_is_marked_whole():
    """Text stored before imports were normalised may hold decomposed accents; the snippet's words
    are the analyzer's, so "Me\u0301xico" is one word, matched by "mexico"."""
    text = "Police in Me\u0301xico said."
    for check in (None, initial_of):
        assert snippet_html(text, terms("mexico"), term_of, initial_of=check) == "Police in <em>Me\u0301xico</em> said."


ALPHABET = "abcdeiostxyzABESÉéèêëíñóöúüçæøåłđßİıǅﬁΣσжЖ中文0123456789" + "\u0301\u0300" + " .,;:'’-_()…\n\t"


@settings(max_examples=300, deadline=None)
@example(text="oil.price fell; price", picks=[2])  # "price" inside "oil.price" is not a word of its own
@given(text=st.text(alphabet=ALPHABET, max_size=120), picks=st.lists(st.integers(0, 40), min_size=1, max_size=3))
def test_words_found_by_their_initials_are_the_words_a_full_scan_finds(text, picks):
    """Candidates are found by a regular expression of word starts with the query's initials;
    any text (dots inside and between words, combining accents, letters outside Latin, ligatures)
    gives the snippet that testing every word gives. Queries are of the text's own words."""
    import re

    words = re.findall(r"[\w\u0300-\u036f]+(?:\.?[\w\u0300-\u036f]+)*", text) or ["x"]
    query = frozenset(term for term in terms(*(words[pick % len(words)] for pick in picks)) if term)
    assert snippet_html(text, query, term_of, initial_of=initial_of) == snippet_html(text, query, term_of)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=120), initials=st.sets(st.sampled_from("abcdeiostxyzæøß0123456789"), min_size=2, max_size=4))
def test_a_querys_initials_read_one_by_one_find_what_its_own_pattern_finds(text, initials):
    """Until a query's initials have been read in ``COMPILE_AFTER`` texts, each initial's pattern is
    read in turn; the positions are those of the query's own pattern."""
    from search.engine import snippets

    key = frozenset(initials) | {""}
    snippets._scans.pop((initial_of, key), None)
    one_by_one = snippets.word_start_positions(text, initial_of, key)
    whole = [match.start() for match in snippets.word_starts(initial_of, key).finditer(text)]
    assert one_by_one == whole


def test_a_new_querys_pattern_is_compiled_only_once_it_has_paid_for_itself():
    """A two-initial query's first snippets compile nothing; its own pattern is compiled after
    ``COMPILE_AFTER`` texts, and serves from then on."""
    from search.engine import snippets

    key = frozenset({"q", "j", ""})
    snippets._scans.pop((initial_of, key), None)
    snippets.word_starts.cache_clear()
    for word in "qjxyz":
        snippets.word_starts(initial_of, frozenset({word, ""}))
    singles = snippets.word_starts.cache_info().misses
    text = "Quinn and Jones met in Quebec; jam."
    for _ in range(snippets.COMPILE_AFTER):
        assert snippets.word_start_positions(text, initial_of, key) == [0, 10, 23, 31]
    assert snippets.word_starts.cache_info().misses == singles, "compiled before it paid for itself"
    assert snippets.word_start_positions(text, initial_of, key) == [0, 10, 23, 31]
    assert snippets.word_starts.cache_info().misses == singles + 1


@pytest.mark.archive_engine
def test_a_one_word_querys_pattern_is_compiled_when_the_engine_is_set_up(db, search_index):
    """A one-word search's snippets compile nothing: its initial's pattern was compiled at setup."""
    from search.engine.snippets import word_starts
    from search.indexing import reindex_articles, search_backend
    from tests.factories import ArticleFactory
    from tests.search.helpers import search

    word_starts.cache_clear()
    search_backend().setup()
    articles = [ArticleFactory(body=f"Police in {city} arrested {n} men. Zetas, Ürümqi, 1987.") for n, city in enumerate(["Veracruz", "Monterrey"])]
    reindex_articles([article.pk for article in articles])
    compiled = word_starts.cache_info().misses
    for word in ["police", "arrested", "zetas", "urumqi", "1987"]:
        assert search(f"q={word}").hits[0].snippet
    assert word_starts.cache_info().misses == compiled


@pytest.mark.archive_engine
def test_the_engines_warm_up_analyses_the_words_of_the_latest_articles_snippets(db, search_index):
    """What a worker's first snippets would analyse: the words of the last documents written."""
    from unittest.mock import patch
    from uuid import uuid4

    from search.engine import backend as engine
    from search.indexing import reindex_articles, search_backend
    from tests.factories import ArticleFactory

    marker = f"wq{uuid4().hex[:8]}"
    articles = [ArticleFactory(body=f"Police in Veracruz arrested {marker}x{n} and others.") for n in range(5)]
    reindex_articles([article.pk for article in articles])
    backend = search_backend()
    with patch.object(engine, "WARM_SNIPPET_DOCUMENTS", 3):
        backend.warm_up()
    snapshot = backend.snapshot()
    written = [snapshot.searcher.stored_fields(docnum)["django_id"] for docnum in range(snapshot.size)]
    last = {str(article.pk) for article in articles if str(article.pk) in written[-3:]}
    assert len(last) == 3
    term_of = engine.TERM_OF[engine.DEFAULT]
    assert [f"{marker}x{n}" in term_of for n, article in enumerate(articles)] == [str(a.pk) in last for a in articles]


def test_every_ascii_word_starts_with_its_terms_start():
    """What ``term_start`` relies on (``CHANGED_ENDING``): each analysis keeps all but the last few
    characters of a lowercased word in its term, over Webster's Second and Spanish text."""
    import json
    import re
    from pathlib import Path

    from english_words import get_english_words_set

    from search.engine.backend import TERM_OF
    from search.engine.languages import CHANGED_ENDING
    from search.engine.snippets import term_start

    words = set(get_english_words_set(["web2"], lower=True))
    spanish = Path(__file__).resolve().parents[1] / "data/spanish_labelled.jsonl"
    for line in spanish.read_text().splitlines():
        article = json.loads(line)
        words |= {word.lower() for word in re.findall(r"\w+", f"{article['title']} {article['body']}")}
    words = {word for word in words if word.isascii()}
    assert len(words) > 200_000
    for analysis, changed_ending in CHANGED_ENDING.items():
        term_of_analysis = TERM_OF[analysis]
        moved = [(word, term) for word in words if (term := term_of_analysis(word)) and not word.startswith(term_start(term, changed_ending))]
        assert moved == [], analysis


ASCII_ALPHABET = "abcdeilmnoprstuyABELMST0123_" + " .,;:'-()\n"


@settings(max_examples=300, deadline=None)
@example(text="oil.price fell; price. prices", picks=[2, 4])
@example(text="possibly possible possibility", picks=[0])
@example(text="employability rose", picks=[0])
@example(text="eying it", picks=[0])
@given(text=st.text(alphabet=ASCII_ALPHABET, max_size=160), picks=st.lists(st.integers(0, 40), min_size=1, max_size=3))
def test_words_found_by_their_terms_start_are_the_words_a_full_scan_finds(text, picks):
    """In ASCII text, words found by their terms' starts (``changed_ending``) give the snippet that
    testing every word gives, in every analysis."""
    import re

    from search.engine.backend import TERM_OF
    from search.engine.languages import CHANGED_ENDING

    words = re.findall(r"\w+(?:\.?\w+)*", text) or ["x"]
    for analysis, changed_ending in CHANGED_ENDING.items():
        term_of_analysis = TERM_OF[analysis]
        query = frozenset(term for word in (words[pick % len(words)] for pick in picks) if (term := term_of_analysis(word.lower())))
        found = snippet_html(text, query, term_of_analysis, initial_of=initial_of, changed_ending=changed_ending)
        assert found == snippet_html(text, query, term_of_analysis)
