"""Project-level views: the health check for load balancers."""

from django.db import connection
from django.http import JsonResponse
from haystack.query import SearchQuerySet

from articles.models import Article
from search.engine.interface import SearchUnavailable
from search.indexing import search_maintenance
from search.models import PendingIndexUpdate
from search.service import check_index_has_articles

from .refusals import read_only


@read_only
def healthz(request):
    """Database and index status; 200 when both answer, 503 otherwise. The index is asked through
    haystack (any engine); ours adds its generation, schema version and whether a rebuild runs."""
    status = {"database": "ok", "index": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["owed_index_updates"] = PendingIndexUpdate.objects.count()  # saved while the index was busy
    except Exception as error:  # noqa: BLE001 - any database failure is "down"
        status["database"] = f"error: {type(error).__name__}"
    try:
        status["indexed_documents"] = SearchQuerySet().models(Article).count()
        if not status["indexed_documents"] and status["database"] == "ok":
            check_index_has_articles(known_empty=True)
        maintenance = search_maintenance()
        if maintenance:
            status["index_status"] = maintenance.status()
            if "stale" in status["index_status"]:
                status["index"] = f"stale: {status['index_status']['stale']}"
    except SearchUnavailable as error:
        status["index"] = f"unavailable: {error}"
    healthy = status["database"] == "ok" and status["index"] == "ok"
    return JsonResponse(status, status=200 if healthy else 503)
