"""One normal form for text: Unicode NFC.

"México" can arrive as one code point for "é" or as "e" followed by a combining accent (NFD, as
macOS file names and some feeds send it). Both look the same but compare, tag and search
differently; everything the archive stores, extracts from and searches for is NFC.
"""

import unicodedata

from django.db import models


def normal_form(text: str) -> str:
    """``text`` in NFC; cheap for text that already is (most of it)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def normal_form_fields(instance: models.Model) -> None:
    """Put every text field of a model instance (and the strings of a JSON list, such as aliases)
    in the normal form, in place, before it is saved."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str) and isinstance(field, (models.CharField, models.TextField)):
            setattr(instance, field.attname, normal_form(value))
        elif isinstance(value, list) and isinstance(field, models.JSONField):
            setattr(instance, field.attname, [normal_form(item) if isinstance(item, str) else item for item in value])
