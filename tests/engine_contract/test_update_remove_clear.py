"""backend.update(), remove() and clear(), as haystack's Whoosh test_update, test_remove and
test_clear use them, and update_index / signal processors call them."""

import pytest
from haystack import connections
from haystack.exceptions import SkipDocument
from haystack.query import SearchQuerySet

from articles.models import Article
from tests.contract_app.models import Gadget
from tests.contract_app.search_indexes import GadgetIndex

from .conftest import index_objects, make_article, make_gadget


def backend():
    return connections["default"].get_backend()


def gadget_index():
    return connections["default"].get_unified_index().get_index(Gadget)


def pks(sqs) -> list[str]:
    return sorted((result.pk for result in sqs), key=int)


def test_update_indexes_every_object(engine):
    gadgets = [make_gadget(name=name) for name in ("Lamp", "Torch", "Kettle")]
    backend().update(gadget_index(), gadgets, commit=True)
    assert pks(SearchQuerySet().filter(in_stock=True)) == [str(g.pk) for g in gadgets]
    assert SearchQuerySet().filter(in_stock=True).count() == 3
    assert [result.name for result in SearchQuerySet().filter(content="kettle")] == ["Kettle"]


def test_update_replaces_the_old_document(engine):
    """A second update of an object replaces its document: one document, the new values."""
    gadget = make_gadget(name="Lamp", quantity=1)
    backend().update(gadget_index(), [gadget])
    gadget.name, gadget.quantity = "Torch", 7
    gadget.save()
    backend().update(gadget_index(), [gadget])
    assert SearchQuerySet().filter(in_stock=True).count() == 1
    assert [(r.name, r.quantity) for r in SearchQuerySet().filter(content="torch")] == [("Torch", 7)]
    assert list(SearchQuerySet().filter(content="lamp")) == []


def test_update_of_nothing_is_harmless(engine):
    backend().update(gadget_index(), [])
    assert SearchQuerySet().filter(in_stock=True).count() == 0


class SkipKettles(GadgetIndex):
    """haystack's WhooshMockSearchIndexWithSkipDocument: prepare raises SkipDocument for some."""

    def prepare_text(self, gadget):
        if gadget.name == "Kettle":
            raise SkipDocument
        return super().prepare_text(gadget)


def test_update_leaves_out_skipped_documents(engine):
    lamp, kettle, torch = (make_gadget(name=name) for name in ("Lamp", "Kettle", "Torch"))
    backend().update(SkipKettles(), [lamp, kettle, torch])
    assert pks(SearchQuerySet().filter(in_stock=True)) == [str(lamp.pk), str(torch.pk)]


def test_remove_an_object(engine):
    lamp, torch = make_gadget(name="Lamp"), make_gadget(name="Torch")
    index_objects(lamp, torch)
    backend().remove(lamp, commit=True)
    assert pks(SearchQuerySet().filter(in_stock=True)) == [str(torch.pk)]
    assert list(SearchQuerySet().filter(content="lamp")) == []


def test_remove_by_identifier(engine):
    """The "app_label.model_name.pk" string, for an object already deleted from the database."""
    lamp, torch = make_gadget(name="Lamp"), make_gadget(name="Torch")
    index_objects(lamp, torch)
    backend().remove(f"contract_app.gadget.{torch.pk}")
    assert pks(SearchQuerySet().filter(in_stock=True)) == [str(lamp.pk)]


def test_remove_a_missing_document_is_harmless(engine):
    lamp = make_gadget(name="Lamp")
    index_objects(lamp)
    backend().remove("contract_app.gadget.999999")
    assert pks(SearchQuerySet().filter(in_stock=True)) == [str(lamp.pk)]


def test_removed_document_leaves_facet_counts(engine):
    lamp, torch = make_gadget(name="Lamp", maker="hooli"), make_gadget(name="Torch", maker="globex")
    index_objects(lamp, torch)
    backend().remove(lamp)
    counts = SearchQuerySet().filter(in_stock=True).facet("maker").facet_counts()["fields"]["maker"]
    assert dict(counts) == {"globex": 1}


@pytest.fixture
def mixed_index(engine):
    """Two gadgets and two articles, all with the word "solar"."""
    gadgets = [make_gadget(name="Solar lamp"), make_gadget(name="Solar torch")]
    articles = [make_article("Solar farms grow"), make_article("Solar tariffs cut")]
    index_objects(*gadgets, *articles)
    return gadgets, articles


def models_found() -> list[str]:
    return sorted(result.model_name for result in SearchQuerySet().auto_query("solar"))


def test_clear_everything(mixed_index):
    backend().clear(commit=True)
    assert models_found() == []


def test_clear_one_model_leaves_the_others(mixed_index):
    """haystack's test_clear: clear([MockModel]) removes those documents only."""
    backend().clear(models=[Gadget], commit=True)
    assert models_found() == ["article", "article"]


def test_clear_the_other_model(mixed_index):
    backend().clear(models=[Article])
    assert models_found() == ["gadget", "gadget"]


def test_clear_several_models(mixed_index):
    backend().clear(models=[Gadget, Article])
    assert models_found() == []


def test_index_is_usable_after_clear(mixed_index):
    backend().clear()
    lamp = make_gadget(name="Solar kettle")
    index_objects(lamp)
    assert [(result.model_name, result.pk) for result in SearchQuerySet().auto_query("solar")] == [
        ("gadget", str(lamp.pk))
    ]
