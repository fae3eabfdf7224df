"""haystack's ``rebuild_index``, which on our engine never takes search offline.

haystack's own clears the index and then fills it, so search answers from a partial index until
it ends. Where the engine can build aside (``IndexMaintenance.rebuild``), the new index is built
beside the live one and switched to when complete and checked; other engines get haystack's.
"""

import sys

from django.conf import settings
from haystack import connections
from haystack.management.commands.rebuild_index import Command as HaystackRebuildIndex

from search.engine.interface import maintenance_of

DEFAULT_BATCH_SIZE = 1000


class Command(HaystackRebuildIndex):
    help = "Rebuild the search index: beside the live one on the archive engine, else clear and refill."

    def handle(self, **options):
        aliases = options.get("using") or list(settings.HAYSTACK_CONNECTIONS)
        plain = [alias for alias in aliases if maintenance_of(connections[alias].get_backend()) is None]
        for alias in aliases:
            if alias not in plain:
                self.rebuild_aside(alias, options)
        if plain:
            super().handle(**{**options, "using": plain})

    def rebuild_aside(self, alias: str, options) -> None:
        backend = connections[alias].get_backend()
        batch_size = options.get("batchsize") or getattr(backend, "batch_size", None) or DEFAULT_BATCH_SIZE
        verbosity = options.get("verbosity", 1)
        show_progress = verbosity >= 1 and sys.stdout.isatty()

        def progress(label: str, done: int, total: int) -> None:
            if show_progress:
                self.stdout.write(f"\r{label}: {done}/{total}", ending="")

        report = maintenance_of(backend).rebuild(batch_size=batch_size, progress=progress)
        if verbosity >= 1:
            if show_progress:
                self.stdout.write("")
            self.stdout.write(
                f"Rebuilt the {alias!r} index beside the live one in {report['seconds']:.1f} s: "
                f"{report['documents']} documents, {report['replayed']} written meanwhile and replayed; "
                f"now serving generation {report['generation']}."
            )
