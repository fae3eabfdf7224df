"""Requests the site refuses, answered by the site itself: short, in JSON on the API and as a
page elsewhere, instead of the server's generic error or a search that should not run."""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from .formats import grouped
from .language import vary_on_language

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_PATH_BYTES = 2048  # no page's path comes near: slugs are at most 200 characters


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def refusal(request, status: int, error: str, title: str, message: str) -> HttpResponse:
    """A refusal in the form the client reads: ``{"error", "message"}`` or a page."""
    if wants_json(request):
        return JsonResponse({"error": error, "message": message}, status=status)
    response = TemplateResponse(request, "errors/refused.html", {"title": title, "message": message}, status=status)
    return response.render()


def read_only(view):
    """A view that only reads: GET and HEAD run it, OPTIONS says so in ``Allow`` without running
    it, and anything else is a 405 with ``Allow`` (before the CSRF check, which is for writes)."""

    @wraps(view)
    def read_only_view(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = refusal(
                request, 405, "method_not_allowed", gettext("Method not allowed"),
                gettext("%(method)s is not allowed here; this address can only be read (%(methods)s).")
                % {"method": request.method[:20], "methods": ", ".join(READ_ONLY_METHODS)},
            )  # fmt: skip
        response["Allow"] = ", ".join(READ_ONLY_METHODS)
        return response

    return csrf_exempt(read_only_view)


class RequestLengthMiddleware:
    """A query string over ``MAX_QUERY_STRING_BYTES`` (as sent, percent-encoded) or a path over
    ``MAX_PATH_BYTES`` is a 414 from the site, before sessions, the database or a search run.

    gunicorn passes request lines of any length for this (gunicorn.conf.py); nginx bounds them
    in front (deploy/nginx-newsarchive.conf).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query_bytes = len(request.META.get("QUERY_STRING", ""))
        path_bytes = len(request.path_info.encode())
        limit = settings.MAX_QUERY_STRING_BYTES
        if query_bytes > limit or path_bytes > MAX_PATH_BYTES:
            # Before LocaleMiddleware: the language it would choose is chosen here.
            with translation.override(translation.get_language_from_request(request)):
                message = (
                    gettext(
                        "This address is too long (%(bytes)s bytes of query); the most we read is %(limit)s. "
                        "Search for fewer or shorter words."
                    )
                    % {"bytes": grouped(query_bytes), "limit": grouped(limit)}
                    if query_bytes > limit
                    else gettext("This address is too long (%(bytes)s bytes of path); no page has a path over %(limit)s.")
                    % {"bytes": grouped(path_bytes), "limit": grouped(MAX_PATH_BYTES)}
                )
                return vary_on_language(refusal(request, 414, "uri_too_long", gettext("Address too long"), message))
        return self.get_response(request)
