"""What an article may hold, checked the same way by the import and the admin.

A value that breaks a rule is refused with the reason, never cut or changed: a cut name can merge
two entities, and a date far ahead would lead every "newest" listing until it comes.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from .safe_links import LINKABLE_SCHEMES

# Time zones and clocks disagree by hours, not days: a day ahead is still a date, not a typo.
LATEST_AHEAD = timedelta(days=1)
_ARTICLE_URL = URLValidator(schemes=list(LINKABLE_SCHEMES))


def validate_published_at(moment: datetime) -> None:
    """No article is dated more than a day in the future."""
    if moment > datetime.now(UTC) + LATEST_AHEAD:
        message = _("%(date)s is more than a day in the future")
        raise ValidationError(message, code="future", params={"date": f"{moment:%Y-%m-%d %H:%M %Z}"})


def validate_body_length(text: str) -> None:
    """A body or summary of at most ``ARTICLE_MAX_BODY_CHARS`` characters: every page that shows it pays for its size."""
    limit = settings.ARTICLE_MAX_BODY_CHARS
    if len(text) > limit:
        raise ValidationError(
            _("%(size)s characters, over the %(limit)s allowed (ARTICLE_MAX_BODY_CHARS)"),
            code="max_length",
            params={"size": f"{len(text):,}", "limit": f"{limit:,}"},
        )


def validate_article_url(url: str) -> None:
    """An http or https URL, as the admin's URL field takes: a ``javascript:`` or ``data:`` link is never stored."""
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme not in LINKABLE_SCHEMES:
        raise ValidationError(_("%(url)r is not an http or https URL"), code="scheme", params={"url": shortened(url)})
    try:
        _ARTICLE_URL(url)
    except ValidationError:
        message = _("%(url)r is not a valid URL")
        raise ValidationError(message, code="invalid", params={"url": shortened(url)}) from None


def validate_language_code(code: str) -> None:
    """An ISO 639-1 code in lowercase ("es"), as detection writes them and the language facet filters."""
    from .language import is_language_code

    if code and not is_language_code(code):
        message = _("%(code)r is not an ISO 639-1 language code such as “en” or “es”")
        raise ValidationError(message, code="language", params={"code": shortened(code)})


def shortened(text: str, length: int = 80) -> str:
    """The start of a long value, for a message that names it."""
    return text if len(text) <= length else text[: length - 1] + "…"


def validation_reason(error: ValidationError) -> str:
    return "; ".join(error.messages)
