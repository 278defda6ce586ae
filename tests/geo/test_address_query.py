"""Reading a query against an index: which words are street, number, postcode, locality."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.geo.address_index import load_index
from optimizer.geo.address_query import parse_query
from optimizer.geo.address_rules import load_rules

TWO_TOWNS = Path(__file__).resolve().parents[1] / "data" / "osm" / "two-towns.osm"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return load_index(TWO_TOWNS, cache_dir=tmp_path_factory.mktemp("query"))


def streets(index, parsed) -> set[str]:
    return {index.groups[g].street for g in parsed.groups}


def test_a_portuguese_postcode_is_not_a_house_number(index):
    """"4760-505" is one postcode token: with no number written, the house number stays
    empty (not "505"), and the village is read as the locality."""
    parsed = parse_query(index, "R. Dom Agostinho de Jesus e Sousa, 4760-505 Arcozelo",
                         load_rules(countries=["pt"]))
    assert parsed.housenumber == ""
    assert parsed.postcodes == {"4760-505"}
    assert parsed.localities == {"arcozelo"}
    assert streets(index, parsed) == {"Rua Dom Agostinho de Jesus e Sousa"}
    assert parsed.leftover == 0 and not parsed.fuzzy


@pytest.mark.parametrize(("query", "street", "number"), [
    ("Avenida 25 de Abril 255, 4760-505 Arcozelo", "Avenida 25 de Abril", "255"),
    ("255 Av. 25 Abril", "Avenida 25 de Abril", "255"),
    ("Avenida 8 1, Arcozelo", "Avenida 8", "1"),
    ("Rua 12, Barcelinhos", "Rua", "12"),
])
def test_numbers_inside_street_names(index, query, street, number):
    """A number that is part of the street's name stays in it; the one beside it is the
    house number, after or before the street."""
    parsed = parse_query(index, query)
    assert streets(index, parsed) == {street}
    assert parsed.housenumber == number


def test_unexplained_words_are_counted_and_a_typo_is_fuzzy(index):
    """A word the street does not explain is a leftover (it lowers the confidence); one
    wrong letter finds the street by similarity."""
    extra = parse_query(index, "Casa Amarela, Avenida João Paulo II 10, Arcozelo")
    assert extra.leftover == 2 and streets(index, extra) == {"Avenida João Paulo II"}
    typo = parse_query(index, "Avenida Joao Paulo IJ 10, Arcozelo")
    assert typo.fuzzy and streets(index, typo) == {"Avenida João Paulo II"}
    assert typo.housenumber == "10"


@pytest.mark.parametrize(("query", "number"), [
    ("Avenida João Paulo II 10 A 12, Arcozelo", "10"),  # staircase A, flat 12
    ("Avenida João Paulo II 10 A, Arcozelo", "10a"),
    ("Avenida João Paulo II 10a 12, Arcozelo", "10a"),
])
def test_a_staircase_letter_before_a_flat_number_is_not_the_house_letter(index, query, number):
    """In Finland and Sweden "Keskuskatu 1 A 12" is staircase A, flat 12 of house 1: it was
    read as house 1a, another building 38 m away. A lone letter followed by a flat number
    is a staircase; a letter before a separator is still the house's."""
    parsed = parse_query(index, query)
    assert parsed.housenumber == number and parsed.leftover == 0
