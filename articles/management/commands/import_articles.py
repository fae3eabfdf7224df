import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importing.records import read_paths
from articles.importing.service import articles_import


class Command(BaseCommand):
    help = (
        "Import articles from JSON Lines, RSS/Atom feeds, HTML pages and plain-text files "
        "(directories are walked; links out of them are not followed). A date without a time zone "
        "is taken as UTC. Each record that cannot go in is listed with its file, line or entry and "
        "the reason, the others go in; exits 1 if any record was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--source", default="", help="Publication name for records that give none.")

    def handle(self, *args, paths, batch_size, source, **options):
        interactive = sys.stderr.isatty()
        with tqdm(unit="record", disable=not interactive, file=sys.stderr) as progress:
            summary = articles_import(read_paths(paths), batch_size=batch_size, default_source=source, progress=progress)
        for rejected in summary.rejected:
            self.stderr.write(f"rejected {rejected.location}: {rejected.reason}")
        self.stdout.write(
            f"Imported {summary.imported} articles ({summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged), rejected {len(summary.rejected)}, "
            f"in {summary.seconds:.1f} s ({summary.rate:.0f} articles/s)."
        )
        if summary.dates_taken_as_utc:
            self.stdout.write(f"{summary.dates_taken_as_utc} dates named no time zone and were taken as UTC.")
        for kind, count in sorted(summary.rejected_by_kind.items(), key=lambda item: (-item[1], item[0])):
            self.stderr.write(f"  {count} rejected: {kind}")
        if summary.rejected:
            raise CommandError(f"{len(summary.rejected)} records were rejected (listed above).", returncode=1)
