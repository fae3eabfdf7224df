"""Project-level views: the health check for load balancers."""

from django.db import connection
from django.http import JsonResponse

from search.backend import SearchUnavailable
from search.indexing import search_backend
from search.models import PendingIndexUpdate


def healthz(request):
    """Database and index status; 200 when both answer, 503 otherwise."""
    status = {"database": "ok", "index": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["owed_index_updates"] = PendingIndexUpdate.objects.count()  # saved while the index was busy
    except Exception as error:  # noqa: BLE001 - any database failure is "down"
        status["database"] = f"error: {type(error).__name__}"
    try:
        status["indexed_documents"] = int(search_backend().snapshot().live.sum())
    except SearchUnavailable as error:
        status["index"] = f"unavailable: {error}"
    healthy = status["database"] == "ok" and status["index"] == "ok"
    return JsonResponse(status, status=200 if healthy else 503)
