import logging

from django.conf import settings
from django.db.models.functions import Length, Substr
from django.shortcuts import get_object_or_404, render
from django.utils.text import capfirst

from newsarchive.refusals import read_only
from search.engine.interface import SearchUnavailable
from search.related import related_articles

from .language import language_name
from .models import Article
from .safe_links import safe_link
from .tag_kinds import TAG_KINDS

log = logging.getLogger(__name__)


@read_only
def article_detail(request, slug):
    """One article in full, with its tags linking to filtered searches. A body longer than any
    import takes (stored before that limit) is read and sent only up to it."""
    shown = settings.ARTICLE_MAX_BODY_CHARS
    articles = Article.objects.with_tags().defer("body").annotate(body_shown=Substr("body", 1, shown), body_chars=Length("body"))
    article = get_object_or_404(articles, slug=slug)
    tag_groups = [(kind, getattr(article, kind.field).all()) for kind in TAG_KINDS]
    context = {
        "article": article,
        "tag_groups": tag_groups,
        "original_url": safe_link(article.url),
        "body_cut": article.body_chars > shown,
        "language_name": capfirst(language_name(article.language)),
        "related": related_or_none(article),
    }
    return render(request, "articles/article_detail.html", context)


def related_or_none(article):
    """The article's related articles; none while search is unavailable: the article still shows."""
    try:
        return related_articles(article)
    except SearchUnavailable:
        log.warning("Related articles left out of %s: search is unavailable", article.slug)
        return []
