"""Operation names: normalisation of every spelling, and what is not an operation."""
import pytest

from articles.extraction import EntityMatcher, KnownEntity
from articles.extraction.operations import find_operation_names, split_camel_case


def operation_names(text: str) -> list[str]:
    return [operation.name for operation in EntityMatcher([]).extract("", text).operations]


@pytest.mark.parametrize(
    "text, name",
    [
        ("They launched Operation Cartel.", "Operation Cartel"),
        ("They launched Op Cartel.", "Operation Cartel"),
        ("They launched OpCartel.", "Operation Cartel"),
        ("Follow #OpCartel now.", "Operation Cartel"),
        ("Follow #OpIsrael now.", "Operation Israel"),
        ("They joined OpAntiSec.", "Operation AntiSec"),
        ("It was Operation Desert Storm all over.", "Operation Desert Storm"),
        ("arrested as part of \u201cOperation Unmask\u201d, with", "Operation Unmask"),
    ],
)
def test_spellings_normalise_to_operation_name(text, name):
    assert operation_names(text) == [name]


@pytest.mark.parametrize(
    "text",
    ["Anonymous operations continued.", "The operation was cancelled.", "Operation was halted on Monday.",
     "OPERATION PROFIT ROSE", "Operations in Mexico grew.", "OpenOffice crashed."],
)
def test_non_operations_are_ignored(text):
    assert operation_names(text) == []


def test_spellings_of_one_operation_are_grouped_with_aliases():
    operations = EntityMatcher([]).extract("", "OpCartel began. Operation Cartel grew. #OpCartel trended.").operations
    assert len(operations) == 1
    assert operations[0].slug == "operation-cartel"
    assert operations[0].aliases == ("OpCartel", "#OpCartel")


def test_known_operation_aliases_map_to_known_slug():
    known = KnownEntity("Operation Payback", "payback", ("OpPayback", "Avenge Assange"))
    operations = EntityMatcher([], [known]).extract("", "Avenge Assange and OpPayback hit PayPal.").operations
    assert [(operation.name, operation.slug) for operation in operations] == [("Operation Payback", "payback")]


def test_camel_case_split_keeps_short_pieces_together():
    assert split_camel_case("GreenRights") == "Green Rights"
    assert split_camel_case("AntiSec") == "AntiSec"
    assert split_camel_case("USA") == "USA"


def test_operation_name_stops_at_function_words():
    assert find_operation_names("Operation Cartel The group") == [("Operation Cartel", "Operation Cartel")]
