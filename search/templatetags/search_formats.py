"""``{% format_url result.params "search:atom" %}``: the same search in another format (Atom, CSV).

A template cannot call ``SearchParams.url`` with arguments; this tag does, so that templates still
never build query strings.
"""

from django import template

register = template.Library()


@register.simple_tag
def format_url(params, view):
    """The whole search, from its start, served by ``view`` (which shows no facets to expand)."""
    return params.url(view, page=1, facet="")
