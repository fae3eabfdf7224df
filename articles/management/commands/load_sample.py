from django.core.management.base import BaseCommand

from articles.models import Article
from articles.sample_archive import sample_archive_load


class Command(BaseCommand):
    help = "Load the sample archive (idempotent: articles are matched by slug)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the archive has articles.")

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Article.objects.exists():
            self.stdout.write("The archive has articles; the sample was not loaded.")
            return
        summary = sample_archive_load()
        self.stdout.write(f"Sample archive: {summary.created} articles created, {summary.updated} updated.")
