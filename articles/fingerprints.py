"""The identity of an article without a URL: the same source, headline and date is the same article."""

import hashlib
from datetime import datetime, timezone


def article_fingerprint(*, source: str, title: str, published_at: datetime, body: str = "") -> str:
    """A stable hash of what identifies a wire story; re-importing it finds the same row.

    The body's start is included only when there is no headline, so that headline-less
    records (tables of figures) on the same day stay apart.
    """
    moment = published_at.astimezone(timezone.utc).replace(microsecond=0).isoformat()
    parts = [" ".join(source.split()).lower(), " ".join(title.split()).lower(), moment]
    if not title.strip():
        parts.append(" ".join(body.split())[:200].lower())
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
