"""The language a page is written in: chosen per request, never part of the URL.

A reader's choice from the switcher (Django's language cookie) wins, then the browser's
Accept-Language, then ``LANGUAGE_CODE``. Since the same URL answers in either language, every
response says what it varied on, so that no cache hands an English page to a Spanish reader.
"""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

VARIES_ON = ("Accept-Language", "Cookie")  # the header, and the cookie the switcher sets


def vary_on_language(response):
    patch_vary_headers(response, VARIES_ON)
    response.headers.setdefault("Content-Language", translation.get_language())
    return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, with ``Vary: Cookie`` too: the language cookie changes the page as much as the header."""

    def process_response(self, request, response):
        return vary_on_language(super().process_response(request, response))

