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
        self.forget_entity_names_on_change()

    @staticmethod
    def forget_entity_names_on_change():
        """An entity saved or deleted here is matched by its new names at the next search."""
        from django.db.models.signals import post_delete, post_save

        from articles.tag_kinds import TAG_KINDS

        from .entity_names import forget

        for kind in TAG_KINDS:
            for signal in (post_save, post_delete):
                signal.connect(forget, sender=kind.model, dispatch_uid=f"entity-names-{signal}-{kind.name}")
