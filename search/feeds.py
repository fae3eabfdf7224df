"""An Atom feed of any search, newest first, so a feed reader can follow a search.

The feed carries an ETag and a Last-Modified date computed from its entries, so a reader that
polls gets a 304 until an entry is added, removed, edited or retagged. Neither date is ever after
now: an article dated in the future counts from when it was last saved, so that one such article
cannot hold every reader's If-Modified-Since in the future.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice

from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext

from articles.models import Article

from .exports import result_pages
from .params import SearchParams
from .service import Hit

FEED_ENTRIES = 50
# XML 1.0 cannot carry these; Django's XML writer refuses them rather than write an invalid feed.
XML_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text) -> str:
    return XML_CONTROL_CHARACTERS.sub(" ", str(text or ""))


class SearchAtomFeed(Atom1Feed):
    """Atom whose ``updated`` is its entries' latest change, never a future publication date."""

    def latest_post_date(self):
        return max((item["updateddate"] for item in self.items), default=timezone.now())


@dataclass
class SearchFeed:
    atom: Atom1Feed
    etag: str
    last_modified: datetime | None


def feed_params(params: SearchParams) -> SearchParams:
    """A feed is always the newest articles first, from the start."""
    return params.with_changes(sort="newest")


def build_feed(params: SearchParams, absolute: Callable[[str], str]) -> SearchFeed:
    """The first ``FEED_ENTRIES`` hits of the search as Atom; ``absolute`` makes a path a full URL."""
    params = feed_params(params)
    pages = result_pages(params)
    first = next(pages)
    hits = list(islice((hit for result in chain([first], pages) for hit in result.hits), FEED_ENTRIES))
    # Articles' edit times live in the database, not in the index.
    updated = dict(Article.objects.filter(slug__in=[hit.slug for hit in hits]).values_list("slug", "updated_at"))

    described = "; ".join(chip.label for chip in first.chips)
    search_url = absolute(params.url())
    atom = SearchAtomFeed(
        title=xml_text(
            gettext("NewsArchive: %(search)s") % {"search": described} if described else gettext("NewsArchive: latest articles")
        ),
        link=search_url,
        description="",
        language=get_language(),
        feed_url=absolute(params.url("search:atom")),
        feed_guid=search_url,
        author_name="NewsArchive",
    )
    now = timezone.now()
    changed = {hit.slug: entry_changed(hit.published_at, updated.get(hit.slug), now) for hit in hits}
    for hit in hits:
        atom.add_item(**entry(hit, changed[hit.slug], absolute))

    fingerprint = [params.url(), get_language()] + [  # the title is in the reader's language
        f"{hit.slug} {updated.get(hit.slug)} {[tag.value for tag in hit.tags]}" for hit in hits
    ]
    etag = hashlib.sha256("\n".join(fingerprint).encode()).hexdigest()[:32]
    last_modified = max(changed.values(), default=None)
    return SearchFeed(atom, etag, last_modified)


def entry_changed(published_at: datetime, updated_at: datetime | None, now: datetime) -> datetime:
    """When an entry last changed for a reader: its publication or its last save, whichever is
    later, but never after ``now``; a future publication date counts as its last save."""
    if updated_at is None:  # gone from the database since the search
        return min(published_at, now)
    saved = min(updated_at, now)
    return max(published_at, saved) if published_at <= now else saved


def entry(hit: Hit, changed: datetime, absolute: Callable[[str], str]) -> dict:
    url = absolute(hit.url)
    return {
        "title": xml_text(hit.title),
        "link": url,
        "unique_id": url,
        "description": xml_text(hit.snippet),  # escaped HTML, with <mark> around matched words
        "pubdate": hit.published_at,
        "updateddate": changed,
        "categories": [xml_text(tag.label) for tag in hit.tags],
    }
