"""How the site writes dates and numbers in each language: Django's ``FORMAT_MODULE_PATH`` reads
``<language>/formats.py``; ``grouped`` writes a count as the reader's language does."""

from django.utils.formats import number_format


def grouped(number: int) -> str:
    """8,192 in English, 8 192 in Spanish (a non-breaking space), whatever
    ``USE_THOUSAND_SEPARATOR`` says: the site groups the counts it writes, never ids or page numbers."""
    return number_format(number, force_grouping=True)
