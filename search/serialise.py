"""The JSON shape of a search result, for ``/api/search``."""

from articles.safe_links import safe_link

from .service import Hit, SearchResult


def hit_json(hit: Hit, absolute) -> dict:
    return {
        "slug": hit.slug,
        "title": hit.title,
        "url": absolute(hit.url),
        "source_url": safe_link(hit.source_url),
        "published_at": hit.published_at.isoformat(),
        "source": hit.source,
        "language": hit.language,
        "snippet": str(hit.snippet),
        **{kind.field: [tag.value for tag in tags] for kind, tags in hit.tag_groups},
    }


def search_result_json(result: SearchResult, absolute=lambda url: url) -> dict:
    """``absolute`` turns a path into a full URL (``request.build_absolute_uri``)."""
    return {
        "query": result.params.q,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "per_page": result.per_page,
        "notices": result.notices,
        "suggestion": result.suggestion,
        "results": [hit_json(hit, absolute) for hit in result.hits],
        "facets": {
            facet.name: [
                {"value": value.value, "label": value.label, "count": value.count, "selected": value.selected}
                for value in facet.values
            ]
            for facet in result.facets
        },
    }


def related_json(hits: list[Hit], absolute=lambda url: url) -> dict:
    """Related articles for ``/api/articles/<slug>/related``: results shaped as ``/api/search``'s."""
    return {"results": [hit_json(hit, absolute) for hit in hits]}
