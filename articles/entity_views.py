"""The page of one country, organisation or operation."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext

from newsarchive.refusals import read_only

from .entities import entity_page
from .tag_kinds import tag_kind


@read_only
def entity_detail(request, kind, key):
    """An entity's articles over time, its latest articles and what appears with it; 404 if unknown."""
    entity_kind = tag_kind(kind)
    entity = entity_kind.entity(key)
    if entity is None:
        raise Http404(gettext("No %(kind)s “%(key)s”.") % {"kind": str(entity_kind.label).lower(), "key": key})
    return render(request, "articles/entity_detail.html", {"page": entity_page(entity_kind, entity)})
