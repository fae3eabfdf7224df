from django.http import QueryDict

from search.forms import SearchForm
from search.service import run_search


def search(query: str = ""):
    """Run the search function exactly as the views do, from a query string."""
    return run_search(SearchForm(QueryDict(query)).search_params())


def facet_counts(result, name: str) -> dict[str, int]:
    facet = next(facet for facet in result.facets if facet.name == name)
    return {value.value: value.count for value in facet.values}


def slugs(result) -> set[str]:
    return {hit.slug for hit in result.hits}
