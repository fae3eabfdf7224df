import random

from django.http import QueryDict
from haystack.query import SearchQuerySet

from search.forms import SearchForm
from search.service import run_search


def search(query: str = ""):
    """Run the search function exactly as the views do, from a query string."""
    return run_search(SearchForm(QueryDict(query)).search_params())


def facet_counts(result, name: str) -> dict[str, int]:
    facet = next(facet for facet in result.facets if facet.name == name)
    return {value.value: value.count for value in facet.values}


def slugs(result) -> set[str]:
    return {hit.slug for hit in result.hits}


MIXED_WORDS = ["cartel", "hackers", "police", "arrest", "ministry", "library", "oil", "coffee", "wheat", "peso", "Mexico", "Chile"]
MIXED_QUERIES = MIXED_WORDS + ["hackers police", "oil OR coffee", '"national police"', "-oil coffee", "policía", "cart*"]


def mixed_records(count: int, seed: int = 11, edition: str = "") -> list[dict]:
    """Import records of mixed words, lengths, dates and languages (a fifth Spanish), for tests
    that compare two ways of writing the same articles."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        words = rng.choices(MIXED_WORDS, k=rng.randint(3, 40)) + (["national", "police"] if n % 9 == 0 else [])
        rows.append({"title": " ".join(words[:4]) + f" {n}{edition}", "body": " ".join(words), "url": f"https://example.org/{n}",
                     "published_at": f"2012-0{n % 9 + 1}-1{n % 10}T10:00:00Z", "language": "es" if n % 5 == 0 else "en"})  # fmt: skip
    return rows


def index_answers(queries=MIXED_QUERIES) -> dict:
    """Every query's matches (by slug) with their scores, and the facets and total of a browse."""
    found = {}
    for text in queries:
        found[text] = sorted((result.object.slug, round(result.score, 9)) for result in SearchQuerySet().auto_query(text))
    browse = search("")
    found["facets"] = {name: facet_counts(browse, name) for name in ("country", "language", "date")}
    found["total"] = browse.total
    return found
