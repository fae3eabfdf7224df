"""What the search app keeps in the database: index updates that are still owed."""

from django.db import models


class PendingIndexUpdate(models.Model):
    """An article whose index update could not be written when it was saved, because another
    writer (an import's merge, a rebuild) held the index. The database already has the edit; this
    row is the promise that the index will follow, and it survives a restart of the process."""

    # Not a foreign key: a deleted article must still be removed from the index.
    article_id = models.BigIntegerField(unique=True)
    queued_at = models.DateTimeField()

    class Meta:
        ordering = ["queued_at"]

    def __str__(self):
        return f"article {self.article_id}, queued {self.queued_at:%Y-%m-%d %H:%M:%S}"
