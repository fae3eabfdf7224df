"""Entity pages at the top level: /countries/MX/, /organisations/anonymous/, /operations/operation-cartel/."""

from django.urls import path

from . import entity_views
from .tag_kinds import TAG_KINDS

app_name = "entities"

urlpatterns = [
    path(f"{kind.field}/<{kind.key_converter}:key>/", entity_views.entity_detail, {"kind": kind.name}, name=kind.name)
    for kind in TAG_KINDS
]
