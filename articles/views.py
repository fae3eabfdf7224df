from django.shortcuts import get_object_or_404, render

from .models import Article


def article_detail(request, slug):
    """One article in full, with its tags linking to filtered searches."""
    article = get_object_or_404(Article.objects.with_tags(), slug=slug)
    return render(request, "articles/article_detail.html", {"article": article})
