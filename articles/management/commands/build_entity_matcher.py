import time

from django.conf import settings
from django.core.management.base import BaseCommand

from articles.tagging import entity_matcher


class Command(BaseCommand):
    help = (
        "Build the entity matcher and its gazetteer into the extraction store (ENTITY_MATCHER_DIR) for this "
        "release and the current catalogue, if they are not there yet: run at a release, before the workers "
        "reload, so that no worker's warm-up or first save waits for the build."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        entity_matcher()
        self.stdout.write(f"Entity matcher ready in {settings.ENTITY_MATCHER_DIR} ({time.perf_counter() - started:.1f} s).")
