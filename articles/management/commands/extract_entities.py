import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.models import Article
from articles.tagging import article_extract_tags, entity_matcher


class Command(BaseCommand):
    help = "Tag articles from their text. Editors' tags and removals are kept."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-run on every article, not only new ones.")

    def handle(self, *args, all=False, **options):
        articles = Article.objects.all() if all else Article.objects.filter(extracted_at__isnull=True)
        matcher = entity_matcher()
        total = articles.count()
        progress = tqdm(articles.iterator(chunk_size=500), total=total, unit="article", disable=not sys.stderr.isatty())
        for article in progress:
            article_extract_tags(article, matcher=matcher)
        self.stdout.write(f"Extraction ran on {total} articles.")
