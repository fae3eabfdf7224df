"""Thin views over ``run_search``: the HTML search page and its JSON twin."""

from django.http import JsonResponse
from django.shortcuts import render

from .forms import SearchForm
from .serialise import search_result_json
from .service import run_search


def search_page(request):
    """The search page: the whole archive newest first, or the results of a query, with facets."""
    result = run_search(SearchForm(request.GET).search_params())
    return render(request, "search/search.html", {"result": result})


def search_api(request):
    """The same search as JSON, for scripts and the page's enhancements."""
    result = run_search(SearchForm(request.GET).search_params())
    return JsonResponse(search_result_json(result, request.build_absolute_uri))
