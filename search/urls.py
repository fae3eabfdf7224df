from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("api/search", views.search_api, name="api"),
    path("opensearch.xml", views.opensearch_description, name="opensearch"),
    path("api/articles/<slug:slug>/related", views.related_api, name="related"),
    path("api/suggest", views.suggest_api, name="suggest"),
    path("search.atom", views.search_atom, name="atom"),
    path("search.csv", views.search_csv, name="csv"),
]
