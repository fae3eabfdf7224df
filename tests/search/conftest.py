"""A small archive whose facet counts were worked out by hand (see test_facets.py)."""

from datetime import datetime, timezone

import pytest
from django.contrib.auth import get_user_model

from articles.sample_archive import sample_archive_load
from search.indexing import search_backend
from tests.conftest import index_everything
from tests.factories import ArticleFactory, OperationFactory, OrganisationFactory


def at(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def editor_client(client):
    """A client logged in to the admin as a superuser."""
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password"))
    return client


@pytest.fixture
def small_archive(db, search_index):
    """Six articles:

    | slug | date       | countries      | organisations      | operations       |
    |------|------------|----------------|--------------------|------------------|
    | a1   | 2011-03-10 | MX US          | anonymous zetas    | operation-cartel |
    | a2   | 2011-11-02 | MX             | anonymous          | operation-cartel |
    | a3   | 2012-02-28 | AR CL CO ES    | anonymous interpol | operation-unmask |
    | a4   | 2012-02-29 | ES             | interpol           | operation-unmask |
    | a5   | 2012-07-01 | US             | federal-bureau-of-investigation, strategic-forecasting-inc | |
    | a6   | 2010-12-08 | GB US          | anonymous paypal   | operation-payback|
    """
    anonymous = OrganisationFactory(name="Anonymous")
    zetas = OrganisationFactory(name="Los Zetas", aliases=["Zetas"])
    interpol = OrganisationFactory(name="Interpol")
    fbi = OrganisationFactory(name="Federal Bureau of Investigation")
    stratfor = OrganisationFactory(name="Strategic Forecasting, Inc.")
    paypal = OrganisationFactory(name="PayPal")
    cartel = OperationFactory(name="Operation Cartel", aliases=["OpCartel"])
    unmask = OperationFactory(name="Operation Unmask")
    payback = OperationFactory(name="Operation Payback")
    rows = [
        ("a1", at(2011, 3, 10), ["MX", "US"], [anonymous, zetas], [cartel],
         "Anonymous threatens the Zetas", "Hackers warned the cartel in México after a kidnapping in Veracruz."),
        ("a2", at(2011, 11, 2), ["MX"], [anonymous], [cartel],
         "Cartel operation back on", "Members in Mexico voted to continue; León and Veracruz were named."),
        ("a3", at(2012, 2, 28), ["AR", "CL", "CO", "ES"], [anonymous, interpol], [unmask],
         "Interpol arrests 25 suspects", "Police arrested suspected members in four countries."),
        ("a4", at(2012, 2, 29), ["ES"], [interpol], [unmask],
         "Interpol website attacked", "The police body's site went down after the arrests."),
        ("a5", at(2012, 7, 1), ["US"], [fbi, stratfor], [],
         "Intelligence firm breach examined", "Investigators studied the breach of the forecasting firm."),
        ("a6", at(2010, 12, 8), ["GB", "US"], [anonymous, paypal], [payback],
         "Payment sites knocked offline", "Supporters of WikiLeaks flooded payment companies with traffic."),
    ]
    articles = {}
    for slug, published_at, countries, organisations, operations, title, body in rows:
        articles[slug] = ArticleFactory(
            slug=slug, title=title, body=body, published_at=published_at,
            countries=countries, organisations=organisations, operations=operations,
        )  # fmt: skip
    index_everything()
    return articles


def index_stories(count: int) -> None:
    """``count`` indexed stories about hackers, slugs story-0, story-1, …"""
    for n in range(count):
        ArticleFactory(slug=f"story-{n}", title=f"Story {n} about hackers")
    index_everything()


@pytest.fixture
def indexed(db, search_index):
    """Three indexed stories about hackers; the index's path."""
    index_stories(3)
    return search_index


@pytest.fixture
def sample_snapshot(db, search_index):
    """The sample archive indexed, with our engine's backend and its snapshot."""
    sample_archive_load()
    index_everything()
    backend = search_backend()
    return backend, backend.snapshot()
