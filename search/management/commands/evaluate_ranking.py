import sys
import time

from django.core.management.base import BaseCommand, CommandError

from search.ranking_evaluation import (
    EvaluationError,
    evaluation_archive,
    format_report,
    needs_tags,
    read_corpus,
    read_topics,
    score_topics,
    site_ranking,
    tantivy_ranker,
)

DEFAULT_CORPUS = "../shared/corpus/reuters21578.jsonl"


class Command(BaseCommand):
    help = (
        "P@10 and nDCG@10 of the site's search over topic queries judged by Reuters' topic labels, "
        "with tantivy's BM25 on the same articles. Writes nothing: the archive is rolled back, the index temporary."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help='JSON Lines topics: {"topic": "coffee", "query": "coffee"}')
        parser.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"Reuters-21578 JSON Lines (default {DEFAULT_CORPUS})")
        parser.add_argument("--limit", type=int, help="only the first LIMIT articles of the corpus")

    def handle(self, *args, file, corpus, limit=None, **options):
        started = time.perf_counter()
        try:
            topics = read_topics(file)
            records = read_corpus(corpus, limit)
            with tantivy_ranker(records) as tantivy_rank:
                tantivy = score_topics(topics, records, tantivy_rank) if tantivy_rank else None
            with evaluation_archive(records, progress=self.progress, tags=needs_tags(topics)) as corpus_id_of:
                ours = score_topics(topics, records, lambda query: site_ranking(query, corpus_id_of))
        except (EvaluationError, OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(format_report(ours, tantivy))
        self.stdout.write(f"articles={len(records)} seconds={time.perf_counter() - started:.1f}")

    def progress(self, done: int, total: int) -> None:
        if sys.stderr.isatty():
            self.stderr.write(f"\rindexed {done:,} of {total:,} articles", ending="")
            if done == total:
                self.stderr.write("")
