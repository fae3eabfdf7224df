"""Snippets find the index's matches (stemmed, accent-folded) and escape everything else."""

from search.engine.backend import term_of
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
