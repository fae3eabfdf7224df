"""Stored addresses that a page may link to.

An article's original URL came from an import or an editor. The admin's URL field refuses
``javascript:`` and ``data:``, but rows written by older imports or straight to the database may
hold anything; every page and API checks the address again before offering it as a link.
"""

from urllib.parse import urlsplit

LINKABLE_SCHEMES = ("http", "https")


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) address with a host, else None (not to be linked)."""
    if not url or any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return None  # browsers drop tabs and newlines from an address: "java\tscript:" runs
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced "[" in the host
        return None
    if parts.scheme.lower() not in LINKABLE_SCHEMES or not parts.hostname:
        return None
    return url
