from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = pgettext_lazy("application", "Search")

    def ready(self):
        """Refuse to start our engine on Whoosh or haystack releases its internals were not checked on."""
        from django.conf import settings

        engines = {connection["ENGINE"] for connection in settings.HAYSTACK_CONNECTIONS.values()}
        if any(engine.startswith("search.engine.") for engine in engines):
            from .engine.whoosh_internals import check_versions

            check_versions()
