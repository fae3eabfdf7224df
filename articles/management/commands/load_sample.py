from django.core.management.base import BaseCommand

from articles.sample_archive import sample_archive_load


class Command(BaseCommand):
    help = "Load the sample archive (idempotent: articles are matched by slug)."

    def handle(self, *args, **options):
        summary = sample_archive_load()
        self.stdout.write(f"Sample archive: {summary.created} articles created, {summary.updated} updated.")
