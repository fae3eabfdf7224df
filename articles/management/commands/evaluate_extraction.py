import time

from django.core.management.base import BaseCommand

from articles.extraction.evaluate import read_records
from articles.extraction.evaluation import evaluate, format_report
from articles.extraction.organisations import reuters_org_code_slugs
from articles.tagging import entity_matcher


class Command(BaseCommand):
    help = "Score extraction against labelled JSON Lines (Reuters-21578 shape): precision, recall, F1 per kind."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON Lines with title, body, dateline, countries and orgs")
        parser.add_argument("--split", help="only records of this split (TRAIN, TEST, NOT-USED)")

    def handle(self, *args, file, split=None, **options):
        matcher = entity_matcher()  # the organisations and operations in the database
        started = time.perf_counter()
        report = evaluate(read_records(file, split), matcher, reuters_org_code_slugs())
        self.stdout.write(format_report(report))
        self.stdout.write(f"seconds={time.perf_counter() - started:.2f}")
