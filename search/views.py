"""Thin views over ``run_search``: the HTML search page, its JSON twin, Atom, CSV and OpenSearch;
and over ``related_articles``, an article's related articles as JSON."""

from itertools import chain

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control

from articles.models import Article
from newsarchive.refusals import read_only, refusal

from .exports import csv_lines, result_pages
from .feeds import build_feed
from .forms import SearchForm
from .related import related_articles
from .serialise import related_json, search_result_json
from .service import run_search
from .suggestions import suggest, typed_text


@read_only
def search_page(request):
    """The search page: the whole archive newest first, or the results of a query, with facets."""
    result = run_search(SearchForm(request.GET).search_params())
    return render(request, "search/search.html", {"result": result})


@read_only
def search_api(request):
    """The same search as JSON, for scripts and the page's enhancements."""
    result = run_search(SearchForm(request.GET).search_params())
    return JsonResponse(search_result_json(result, request.build_absolute_uri))


@read_only
def related_api(request, slug):
    """The articles most like one, as JSON: what its page lists under "Related articles"."""
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        return refusal(request, 404, "not_found", gettext("Page not found"), gettext("No article has this address."))
    return JsonResponse(related_json(related_articles(article), request.build_absolute_uri))


@read_only
@cache_control(public=True, max_age=3600)
def opensearch_description(request):
    """The OpenSearch description that lets a browser add NewsArchive as a search engine."""
    absolute = request.build_absolute_uri
    context = {
        "search_url": absolute(reverse("search:search")),
        "suggest_url": absolute(reverse("search:suggest")),
        "atom_url": absolute(reverse("search:atom")),
        "self_url": absolute(reverse("search:opensearch")),
    }
    return render(request, "search/opensearch.xml", context, content_type="application/opensearchdescription+xml")


@read_only
@cache_control(public=True, max_age=60)
def suggest_api(request):
    """Completions for the browser's address bar, in the OpenSearch suggestions format:
    ``[query, [completions], [descriptions], [urls]]``. The query is echoed as it came, because
    browsers drop an answer whose query is not the one they sent."""
    sent = request.GET.get("q", "")
    found = suggest(typed_text(sent))
    body = [
        sent,
        [suggestion.text for suggestion in found],
        [suggestion.description for suggestion in found],
        [request.build_absolute_uri(suggestion.url) for suggestion in found],
    ]
    return JsonResponse(body, safe=False, content_type="application/x-suggestions+json")


@read_only
def search_atom(request):
    """The search as an Atom feed, newest first; a reader that sends its ETag back gets a 304."""
    feed = build_feed(SearchForm(request.GET).search_params(), request.build_absolute_uri)
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.atom.write(response, "utf-8")
    response["ETag"] = quote_etag(feed.etag)
    last_modified = int(feed.last_modified.timestamp()) if feed.last_modified else None
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=300)
    return get_conditional_response(request, etag=response["ETag"], last_modified=last_modified, response=response)


@read_only
def search_csv(request):
    """Every article of the search as CSV, streamed page by page, for spreadsheets."""
    pages = result_pages(SearchForm(request.GET).search_params())
    first = next(pages)  # before streaming: a search that cannot run still gets its error page
    response = StreamingHttpResponse(
        csv_lines(chain([first], pages), request.build_absolute_uri), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="newsarchive-search.csv"'
    return response
