from django.db import models


class Gadget(models.Model):
    """One of each field type that haystack's SearchIndex fields can carry."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    quantity = models.IntegerField(default=0)
    price = models.FloatField(default=0.0)
    in_stock = models.BooleanField(default=True)
    released = models.DateField()
    updated_at = models.DateTimeField()
    colours = models.JSONField(default=list, blank=True)
    maker = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return self.name
