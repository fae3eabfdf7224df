"""factory_boy factories for the archive's models."""

from datetime import datetime, timezone

import factory
from django.utils.text import slugify

from articles.models import Article, Operation, Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Operation Number {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title)[:190])
    body = "A plain body about nothing in particular."
    source = "NewsArchive"
    published_at = datetime(2011, 6, 15, 12, 0, tzinfo=timezone.utc)

    @factory.post_generation
    def countries(self, create, codes, **kwargs):
        if create and codes:
            from articles.models import Country

            self.countries.add(*Country.objects.filter(code__in=codes))

    @factory.post_generation
    def organisations(self, create, organisations, **kwargs):
        if create and organisations:
            self.organisations.add(*organisations)

    @factory.post_generation
    def operations(self, create, operations, **kwargs):
        if create and operations:
            self.operations.add(*operations)
