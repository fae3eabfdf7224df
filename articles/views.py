from django.shortcuts import get_object_or_404, render

from newsarchive.refusals import read_only

from .models import Article
from .safe_links import safe_link
from .tag_kinds import TAG_KINDS


@read_only
def article_detail(request, slug):
    """One article in full, with its tags linking to filtered searches."""
    article = get_object_or_404(Article.objects.with_tags(), slug=slug)
    tag_groups = [(kind, getattr(article, kind.field).all()) for kind in TAG_KINDS]
    context = {"article": article, "tag_groups": tag_groups, "original_url": safe_link(article.url)}
    return render(request, "articles/article_detail.html", context)
