"""Related articles: the articles most like one, for its page and ``/api/articles/<slug>/related``.

Through haystack's ``more_like_this``, so any engine serves it. Ours weighs shared tags beside
shared words and leaves out wire copies of the article (search/engine/related.py); haystack's
stock Whoosh engine finds them by words alone and keeps copies.
"""

from haystack.query import SearchQuerySet

from articles.models import Article

from .params import SearchParams
from .service import Hit, article_urls, make_hit, shown_labels

RELATED_LIMIT = 5


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Hit]:
    """Up to ``limit`` articles like ``article``, most alike first; never the article itself.
    Raises SearchUnavailable when the index cannot answer."""
    found = SearchQuerySet().models(Article).more_like_this(article)[:limit]
    raw_hits = first_of_each(raw for raw in found if raw is not None)
    params = SearchParams()
    labels = shown_labels(raw_hits, params)
    article_url = article_urls()
    return [make_hit(raw, params, labels, article_url) for raw in raw_hits]


def first_of_each(raw_hits) -> list:
    """The hits without repeats: stock Whoosh can repeat one when it filters by model
    (tests/engine_contract/test_highlight_spelling_mlt.py)."""
    seen, unique = set(), []
    for raw in raw_hits:
        if raw.pk not in seen:
            seen.add(raw.pk)
            unique.append(raw)
    return unique

