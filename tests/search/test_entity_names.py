"""The names of every entity, remembered per process: made again when a kind changes, and checked
cheaply while it does not."""

from articles.models import Country
from articles.tag_kinds import tag_kind
from search import entity_names
from search.entity_names import NAMES_RECHECK_SECONDS, remembered_entities


def test_names_are_made_again_only_when_the_kind_changed(db, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(entity_names, "clock", lambda: now[0])
    countries = tag_kind("country")
    first = remembered_entities(countries, every_language=True)
    now[0] += NAMES_RECHECK_SECONDS  # asked of the database again: unchanged
    again = remembered_entities(countries, every_language=True)
    assert again[1] is first[1] and again[2] is first[2]
    # kept with the version just asked, so that later searches compare one object with itself
    assert again[0] is entity_names._versions["country"][1]
    assert remembered_entities(countries, every_language=True) is again

    Country.objects.filter(code="ES").update(name="Reino de España")  # no signal: seen at the next check
    assert remembered_entities(countries, every_language=True) is again
    now[0] += NAMES_RECHECK_SECONDS
    changed = remembered_entities(countries, every_language=True)
    assert changed[1] is not first[1]
    assert changed[2]["reino de espana"] == ["ES"]
