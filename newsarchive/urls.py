from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from .views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("language", set_language, name="set_language"),  # the switcher's POST; pages keep their URLs
    path("articles/", include("articles.urls")),
    path("", include("search.urls")),
    path("", include("articles.entity_urls")),
]
