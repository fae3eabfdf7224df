"""Writing articles to the search index: the one place that turns database rows into index updates."""

from haystack import connections

from articles.models import Article


def article_index():
    return connections["default"].get_unified_index().get_index(Article)


def search_backend():
    return connections["default"].get_backend()


def index_identifier(article_id) -> str:
    return f"{Article._meta.label_lower}.{article_id}"


def reindex_articles(article_ids) -> int:
    """Index these articles as the database holds them now, with one writer; drop deleted ones."""
    article_ids = set(article_ids)
    articles = list(Article.objects.with_tags().filter(pk__in=article_ids))
    backend = search_backend()
    if articles:
        backend.update(article_index(), articles)
    for missing_id in article_ids - {article.pk for article in articles}:
        backend.remove(index_identifier(missing_id))
    return len(articles)
