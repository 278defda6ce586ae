"""Address rules per language: one parsing case per language and form, postcodes that are
never house numbers, street types written every way, and a user's own rules file."""

from __future__ import annotations

import pytest

from optimizer.errors import InputError
from optimizer.geo.address_rules import load_rules, parse_address

RULES = load_rules()


def key(name: str) -> frozenset[str]:
    return RULES.name_keys(name)


# (language, form, address, street as in OSM, house number, postcode, locality)
CASES = [
    ("de", "canonical", "Landstrasse 302, 9495 Triesen", "Landstrasse", "302", "9495", "triesen"),
    ("de", "abbreviated", "Landstr. 302, 9495 Triesen", "Landstrasse", "302", "9495", "triesen"),
    ("de", "no commas", "Städtle 5 9490 Vaduz", "Städtle", "5", "9490", "vaduz"),
    ("de", "suffix", "Hauptstraße 12 a, 10115 Berlin", "Hauptstrasse", "12a", "10115", "berlin"),
    ("fr", "number first", "12 rue de la Paix, 75002 Paris", "Rue de la Paix", "12", "75002",
     "paris"),
    ("fr", "abbreviated", "4 bd Saint-Germain, 75005 Paris", "Boulevard Saint-Germain", "4",
     "75005", "paris"),
    ("fr", "bis", "7 bis rte de Lyon, 69000 Lyon", "Route de Lyon", "7bis", "69000", "lyon"),
    ("it", "slash suffix", "Via Roma 12/A, 00184 Roma", "Via Roma", "12a", "00184", "roma"),
    ("it", "abbreviated", "V.le Europa 3, 20121 Milano", "Viale Europa", "3", "20121", "milano"),
    ("it", "comma number", "Piazza Navona, 15, 00186 Roma", "Piazza Navona", "15", "00186",
     "roma"),
    ("es", "abbreviated", "C/ Mayor 12, 28013 Madrid", "Calle Mayor", "12", "28013", "madrid"),
    ("es", "range", "Avda. de América 12-14, 28002 Madrid", "Avenida de América", "12-14",
     "28002", "madrid"),
    ("ca", "abbreviated floor", "Av. Meritxell 25 3r 2a, AD500 Andorra la Vella",
     "Avinguda Meritxell", "25", "AD500", "andorra la vella"),
    ("ca", "postcode first", "AD500 Andorra la Vella, Carrer Major 7", "Carrer Major", "7",
     "AD500", "andorra la vella"),
    ("pt", "long name", "Rua Dom Agostinho de Jesus e Sousa 12, 4760-505 Arcozelo",
     "Rua Dom Agostinho de Jesus e Sousa", "12", "4760-505", "arcozelo"),
    ("pt", "number in name", "Avenida 25 de Abril 255, 4760-505 Arcozelo",
     "Avenida 25 de Abril", "255", "4760-505", "arcozelo"),
    ("pt", "abbreviated", "Pç. da Liberdade 5, 4000-322 Porto", "Praça da Liberdade", "5",
     "4000-322", "porto"),
    ("nl", "letter postcode", "Keizersgracht 123, 1015 CJ Amsterdam", "Keizersgracht", "123",
     "1015 CJ", "amsterdam"),
    ("fi", "staircase and flat", "Fredrikinkatu 12 A 5, 00100 Helsinki", "Fredrikinkatu", "12a",
     "00100", "helsinki"),
    ("fi", "abbreviated lower case", "mannerheimint. 5, 00100 helsinki", "Mannerheimintie", "5",
     "00100", "helsinki"),
    ("sv", "abbreviated", "Drottningg. 14, 111 51 Stockholm", "Drottninggatan", "14", "111 51",
     "stockholm"),
    ("en", "number first", "221B Baker St, London NW1 6XE", "Baker Street", "221b", "NW1 6XE",
     "london"),
    ("en", "abbreviated", "10 Downing St., London SW1A 2AA", "Downing Street", "10", "SW1A 2AA",
     "london"),
]


@pytest.mark.parametrize(("language", "form", "text", "street", "number", "postcode", "locality"),
                         CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_parse_one_address_per_language_and_form(language, form, text, street, number,
                                                 postcode, locality):
    """Street (compared by key: "Av." is "Avenida"), number with its suffix or range,
    postcode kept whole, and locality, for each language and way of writing."""
    parsed = parse_address(text)
    assert key(parsed.street) & key(street), (parsed, street)
    assert (parsed.housenumber, parsed.postcode, parsed.locality) == (number, postcode, locality)


@pytest.mark.parametrize(("text", "postcode"), [
    ("Rua Nova 8, 4760-505 Arcozelo", "4760-505"),
    ("Mannerheimintie 5, 00100 Helsinki", "00100"),
    ("Carrer Major 7, AD500 Andorra la Vella", "AD500"),
    ("Rua Nova, 4760-505 Arcozelo", "4760-505"),
])
def test_a_postcode_is_never_a_house_number(text, postcode):
    """Neither half of "4760-505", nor "00100" or "AD500", becomes a house number, with or
    without a real number beside it."""
    parsed = parse_address(text)
    assert parsed.postcode == postcode
    assert parsed.housenumber in ("8", "5", "7", "")
    assert "505" not in parsed.housenumber and parsed.housenumber != "00100"
    tokens = RULES.tokenize(text)
    assert [t.text for t in tokens if t.kind == "postcode"] == [postcode]


@pytest.mark.parametrize(("one", "other"), [
    ("Av. 25 de Abril", "Avenida 25 de Abril"), ("Avda 25 Abril", "Avenida 25 de Abril"),
    ("Avinguda Meritxell", "Av. Meritxell"), ("C/ Major", "Carrer Major"),
    ("C. Mayor", "Calle Mayor"),
    ("Fredrikink.", "Fredrikinkatu"), ("Drottningg.", "Drottninggatan"), ("Landstr.", "Landstraße"),
    ("St. Peters-Weg", "Sankt Peters Weg"), ("Baker St", "Baker Street"), ("R. Nova", "Rua Nova"),
    ("Pç. da Liberdade", "Praça da Liberdade"), ("V.le Europa", "Viale Europa"),
    ("Rte de Lyon", "Route de Lyon"), ("Pl. del Poble", "Plaça del Poble"),
])
def test_every_spelling_of_a_street_type_has_one_key(one, other):
    """Abbreviated and written-out street types, glued or not, give the same key."""
    assert key(one) == key(other)


def test_a_short_glued_abbreviation_needs_its_dot():
    """"Fredrikink." is Fredrikinkatu, but a name merely ending in k (Park) is left alone."""
    assert key("Park") != key("Parkatu")
    assert key("Fredrikink.") == key("Fredrikinkatu")


def test_a_users_rules_file_adds_a_language_and_a_country(tmp_path):
    """A scenario's own rules (here Danish: "vej"/"v.", postcode DK-1234) merge over the
    built-in ones; a table other than language/country is an input error."""
    extra = tmp_path / "rules.toml"
    extra.write_text('[language.da]\nsuffixes = { vej = ["v"] }\nstreet_types = {}\n'
                     '[country.dk]\npostcode = [\'(dk-)?\\d{4}\']\nlanguages = ["da"]\n',
                     encoding="utf-8")
    rules = load_rules(extra, countries=["dk"])
    assert rules.name_keys("Vesterbrov.") == rules.name_keys("Vesterbrovej")
    assert load_rules().name_keys("Vesterbrov.") != load_rules().name_keys("Vesterbrovej")
    parsed = parse_address("Vesterbrogade 3, DK-1620 København", rules)
    assert (parsed.housenumber, parsed.postcode) == ("3", "1620")
    bad = tmp_path / "bad.toml"
    bad.write_text("[streets]\nx = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown tables"):
        load_rules(bad)
