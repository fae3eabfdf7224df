"""Search that cannot run answers 503 with a clear page; the rest of the site keeps working."""

from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from .engine.interface import SearchUnavailable

RETRY_AFTER_SECONDS = 30


class SearchUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, SearchUnavailable):
            return None
        message = gettext(
            "Search is unavailable: the search index is missing or damaged. Editors can restore it with rebuild_index."
        )
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": "search_unavailable", "message": message}, status=503)
        else:
            response = TemplateResponse(request, "search/unavailable.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
