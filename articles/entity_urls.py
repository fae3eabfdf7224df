"""Entity pages at the top level: /countries/MX/, /organisations/anonymous/, /operations/operation-cartel/."""

from django.urls import path

from . import entity_views

app_name = "entities"

urlpatterns = [
    path("countries/<str:key>/", entity_views.entity_detail, {"kind": "country"}, name="country"),
    path("organisations/<slug:key>/", entity_views.entity_detail, {"kind": "organisation"}, name="organisation"),
    path("operations/<slug:key>/", entity_views.entity_detail, {"kind": "operation"}, name="operation"),
]
