from django.core.management.base import BaseCommand, CommandError

from search.consistency import index_check, index_repair
from search.indexing import index_pending
from search.models import PendingIndexUpdate


class Command(BaseCommand):
    help = "Compare the search index with the database; --repair fixes what differs."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Re-index missing and stale articles, drop orphans.")

    def handle(self, *args, repair=False, **options):
        if repair and (owed := index_pending()):
            self.stdout.write(f"Indexed {owed} owed article updates.")
        elif owed := PendingIndexUpdate.objects.count():
            self.stdout.write(f"{owed} article updates are owed to the index (saved while it was busy).")
        report = index_check()
        self.stdout.write(
            f"{report.articles} articles, {report.indexed} documents: {len(report.missing)} missing, "
            f"{len(report.stale)} stale, {len(report.orphaned)} orphaned."
        )
        for label, items in (("missing", report.missing), ("stale", report.stale), ("orphaned", report.orphaned)):
            if items:
                self.stdout.write(f"  {label}: {', '.join(map(str, items[:20]))}{' …' if len(items) > 20 else ''}")
        if report.consistent:
            return
        if not repair:
            raise CommandError("The index differs from the database; run check_index --repair.", returncode=1)
        index_repair(report)
        after = index_check()
        if not after.consistent:
            raise CommandError("Repair left differences; run rebuild_index.", returncode=1)
        self.stdout.write("Repaired: the index matches the database.")
