"""Address rules per language and country, read from data, and what is built from them.

The rules live in ``optimizer/geo/data/address_rules.toml`` (street types and their
abbreviations, glued suffixes, particles, flat/floor words, postcode formats); a
scenario may add its own file of the same shape (``[geocode] address_rules``), merged
over the built-in one. :class:`AddressRules` turns them into:

* :meth:`AddressRules.name_key`: the key under which a street or place name is
  indexed and looked up. Every spelling of a street type is one word ("Av.",
  "Avda", "Avenida", "Avinguda" and "Avenue"; "Landstr." and "Landstrasse";
  "Fredrikink." and "Fredrikinkatu"), particles are left out ("Avenida 25 de Abril"
  = "Av. 25 Abril"), words are joined without spaces ("Peters-Weg" = "Petersweg").
* :meth:`AddressRules.tokenize`: an address as tokens, with postcodes of the
  configured countries kept whole ("4760-505", "AD500", "1234 AB"), so that no part
  of a postcode is ever read as a house number.
* :func:`parse_address`: street, house number (with its suffix or range), postcode and
  locality of a well-formed address without any index, for users and tests; the
  gazetteer (:mod:`.gazetteer`) parses against its index instead.

Why not a parser library: libpostal (``postal``) is the reference, but needs its C
library and about 2 GB of model data; ``usaddress``, ``pyap`` and ``scourgify`` are
for US/UK/Canadian addresses only; ``deepparse`` loads neural weights from the
internet at run time. The extract itself names every street, so matching the query
against the extract's own street names, with these tables for the spellings, is both
small and exact. docs/geocoding.md has the details.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.errors import InputError

#: The built-in rules.
DEFAULT_RULES = Path(__file__).with_name("data") / "address_rules.toml"
#: Abbreviations this short count as a glued suffix only when written with a dot.
SHORT_SUFFIX = 2
#: Marks a street type in a key (no letter a name can contain).
TYPE_MARK = "~"


def fold(text: str, *, umlaut_e: bool = False) -> str:
    """Case-fold ``text`` and strip accents; ``umlaut_e`` writes ä, ö, ü as ae, oe, ue."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if umlaut_e:
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Token:
    """One piece of an address: ``kind`` is ``word``, ``number``, ``postcode`` or ``sep``.

    ``text`` is folded; a word keeps a trailing dot in ``dotted``. ``strong`` marks a
    postcode that cannot be a house number (letters, a dash, a space or 5+ digits).
    """

    text: str
    kind: str
    dotted: bool = False
    strong: bool = False


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *(v for v in value if v not in out[key])]
        else:
            out[key] = value
    return out


def _bare(word: str) -> str:
    return fold(word).strip().rstrip("./")


class AddressRules:
    """The merged rules, compiled for matching (see the module docstring).

    Parameters
    ----------
    data : mapping
        The ``[language.*]`` and ``[country.*]`` tables.
    countries : iterable of str, optional
        Two-letter codes whose postcode formats are recognised; all known ones if empty.
    """

    def __init__(self, data: Mapping[str, Any], countries: Iterable[str] = ()) -> None:
        self.data = data
        languages = data.get("language", {})
        self.countries = tuple(sorted({c.lower() for c in countries}
                                      & set(data.get("country", {})))) or tuple(
            sorted(data.get("country", {})))
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        def union(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        words: set[str] = set()
        suffixes: set[str] = set()
        self.particles: set[str] = set()
        self.unit_words: set[str] = set()
        self.number_words: set[str] = set()
        self.no_number: set[str] = set()
        self.joined: dict[str, str] = {}  # "p.za" -> "piazza": abbreviations with inner dots
        for lang in languages.values():
            for table, into in (("street_types", words), ("suffixes", suffixes)):
                for full, abbrevs in lang.get(table, {}).items():
                    full_b = _bare(full)
                    into.add(full_b)
                    find(full_b)
                    for abbrev in abbrevs:
                        b = _bare(abbrev)
                        if re.search(r"\W", b):
                            self.joined[fold(abbrev)] = full_b
                            continue
                        union(b, full_b)
                        into.add(b)
            self.particles |= {_bare(w) for w in lang.get("particles", [])}
            self.unit_words |= {_bare(w) for w in lang.get("unit_words", [])}
            self.number_words |= {_bare(w) for w in lang.get("number_words", [])}
            self.no_number |= {fold(w) for w in lang.get("no_number", [])}
        self.type_of = {w: TYPE_MARK + find(w) for w in words}
        self.suffix_of = {s: TYPE_MARK + find(s) for s in suffixes}
        self._suffixes = sorted(suffixes, key=len, reverse=True)
        patterns = [p for c in self.countries
                    for p in data.get("country", {}).get(c, {}).get("postcode", [])]
        self.postcode_res = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        #: Names the tables (not the countries): the index cache is keyed by it.
        self.digest = hashlib.sha256(repr(sorted(data.items(), key=str)).encode()
                                     ).hexdigest()[:12]
        self._joined_re = (re.compile("|".join(
            r"(?<!\w)" + re.escape(k) for k in sorted(self.joined, key=len, reverse=True)))
            if self.joined else None)
        #: Keys of every country's names (``[country.*] names``), for the end of a query.
        self.country_keys = frozenset().union(*(
            self.name_keys(name) for table in data.get("country", {}).values()
            for name in table.get("names", [])))

    # -- names -------------------------------------------------------------------------------

    def canonical_word(self, word: str, *, dotted: bool = False) -> str:
        """A word of a name as it goes into a key: a street type becomes its class."""
        if word in self.type_of:
            return self.type_of[word]
        for suffix in self._suffixes:
            if len(word) > len(suffix) + 1 and word.endswith(suffix):
                if len(suffix) <= SHORT_SUFFIX and not dotted:
                    continue
                return word[: -len(suffix)] + self.suffix_of[suffix]
        return word

    def key(self, words: Iterable[Token | str]) -> str:
        """The key of a name written as ``words`` (tokens or folded words)."""
        parts = []
        items = [w if isinstance(w, Token) else Token(w, "word") for w in words]
        kept = [t for t in items if t.text not in self.particles] or items
        for t in kept:
            parts.append(self.canonical_word(t.text, dotted=t.dotted) if t.kind == "word"
                         else t.text)
        return "".join(parts)

    def bare_key(self, key: str) -> str:
        """``key`` without its street types ("~carrer major" -> "major")."""
        return re.sub(re.escape(TYPE_MARK) + r"[a-z0-9_]+", "", key) if TYPE_MARK in key else ""

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - rules live as long as the index
    def name_keys(self, name: str) -> frozenset[str]:
        """Every key of a street or place ``name`` (both umlaut spellings)."""
        keys = set()
        for umlaut_e in (False, True):
            words = [t for t in self.tokenize(name, umlaut_e=umlaut_e, postcodes=False)
                     if t.kind != "sep"]
            keys.add(self.key(words))
        return frozenset(keys - {""})

    # -- addresses ---------------------------------------------------------------------------

    def tokenize(self, text: str, *, umlaut_e: bool = False, postcodes: bool = True
                 ) -> list[Token]:
        """Fold ``text`` and split it into tokens (see :class:`Token`)."""
        text = fold(text, umlaut_e=umlaut_e)
        if self._joined_re is not None:
            text = self._joined_re.sub(lambda m: " " + self.joined[m.group()] + " ", text)
        for phrase in self.no_number:
            if "/" in phrase or " " in phrase:
                text = re.sub(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", " sn ", text)
        text = re.sub(r"(\d)\s*[º°ª]", r"\1o", text)
        out: list[Token] = []
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch.isspace() or (not ch.isalnum() and ch not in ",;"):
                i += 1
                continue
            if ch in ",;":
                out.append(Token(",", "sep"))
                i += 1
                continue
            start_ok = i == 0 or not text[i - 1].isalnum()
            best = None
            if postcodes and start_ok:
                for pattern in self.postcode_res:
                    m = pattern.match(text, i)
                    ends = m is not None and (m.end() == n or not (
                        text[m.end()].isalnum() or text[m.end()] == "-"))
                    if ends and (best is None or m.end() > best.end()):
                        best = m
            if best is not None:
                value = best.group()
                compact = re.sub(r"\s+", " ", value.upper())
                compact = re.sub(r"^[A-Z]{1,3}-(?=\d)", "", compact)  # "FL-9490", "D-10115"
                strong = not compact.isdigit() or len(compact) >= 5
                out.append(Token(compact, "postcode", strong=strong))
                i = best.end()
                continue
            m = re.compile(r"\d+[a-z]?(?:[-/]\d+[a-z]?)?(?![\w])").match(text, i)
            if m:
                out.append(Token(m.group(), "number"))
                i = m.end()
                continue
            m = re.compile(r"\w+").match(text, i)
            assert m is not None
            dotted = m.end() < n and text[m.end()] == "."
            word = m.group()
            out.append(Token(word, "number" if re.fullmatch(r"\d+[a-z]?", word) else "word",
                             dotted=dotted))
            i = m.end() + (1 if dotted else 0)
        return out


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address split into its parts (see :func:`parse_address`). Empty when absent."""

    street: str = ""
    housenumber: str = ""
    postcode: str = ""
    locality: str = ""
    unit: str = ""


_RULES: dict[tuple[str, tuple[str, ...]], AddressRules] = {}


def load_rules(path: str | Path | None = None, *, countries: Iterable[str] = ()
               ) -> AddressRules:
    """The built-in rules, with the file at ``path`` merged over them (cached).

    Raises
    ------
    InputError
        If ``path`` is missing or not a valid TOML rules file.
    """
    countries = tuple(sorted({c.lower() for c in countries}))
    key = (str(Path(path).resolve()) if path else "", countries)
    if key not in _RULES:
        data = tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
        if path:
            try:
                extra = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise InputError([f"address rules {str(path)!r}: {exc}"]) from exc
            unknown = set(extra) - {"language", "country"}
            if unknown:
                raise InputError([f"address rules {str(path)!r}: unknown tables "
                                  f"{sorted(unknown)} (use [language.XX] and [country.XX])"])
            data = _merge(data, extra)
        _RULES[key] = AddressRules(data, countries)
    return _RULES[key]


def _is_number(token: Token) -> bool:
    return token.kind == "number" or (token.kind == "postcode" and not token.strong)


def parse_address(text: str, rules: AddressRules | None = None) -> ParsedAddress:
    """Split a well-formed address into street, house number, postcode and locality.

    Without an index the street is told from the locality by the commas and the
    position of the house number: ``"Rua Dom Agostinho de Jesus e Sousa 12, 4760-505
    Arcozelo"``, ``"12 rue de la Paix, 75002 Paris"``, ``"Via Roma 12/A"``,
    ``"Fredrikinkatu 12 A 5, 00100 Helsinki"``. All parts are folded; compare a street
    with :meth:`AddressRules.name_keys` (``"Av."`` and ``"Avenida"`` have one key).

    Parameters
    ----------
    text : str
        The address as written.
    rules : AddressRules, optional
        Defaults to the built-in rules for every country.
    """
    rules = rules or load_rules()
    segments: list[list[Token]] = [[]]
    for t in rules.tokenize(text):
        if t.kind == "sep":
            segments.append([])
        else:
            segments[-1].append(t)
    segments = [s for s in segments if s]
    for seg in segments:  # a 4-digit postcode before the locality: "9495 Triesen"
        for i, t in enumerate(seg):
            follows = seg[i + 1] if i + 1 < len(seg) else None
            if (t.kind == "postcode" and not t.strong and follows is not None
                    and follows.kind == "word" and (i == 0 or _is_number(seg[i - 1]))):
                seg[i] = Token(t.text, "postcode", strong=True)
    postcode = next((t.text for s in segments for t in s if t.kind == "postcode" and t.strong),
                    "")
    street_seg = next((s for s in segments if any(t.kind == "word" for t in s)
                       and not any(t.kind == "postcode" and t.strong for t in s)),
                      segments[0] if segments else [])
    housenumber, unit, street_words = "", [], []
    number_at = None
    for i, t in enumerate(street_seg):
        # A number ends the street when it is the last one, or when words follow it
        # that are not part of a longer street name (a unit, a letter, a locality).
        if t.kind == "postcode" and t.strong:
            break
        if _is_number(t) and number_at is None:
            rest = list(itertools.takewhile(lambda r: not (r.kind == "postcode" and r.strong),
                                            street_seg[i + 1:]))
            inside = any(r.kind == "word" and r.text not in rules.unit_words
                         and len(r.text) > 1 for r in rest) and i > 0 and not (
                rest and rest[0].text in rules.unit_words)
            if inside and any(_is_number(r) for r in rest):
                street_words.append(t)
                continue
            number_at = i
    if number_at is None:
        # the house number may follow in the next segment ("Via Roma, 12")
        idx = segments.index(street_seg) if street_seg in segments else 0
        nxt = segments[idx + 1] if idx + 1 < len(segments) else []
        if nxt and _is_number(nxt[0]):
            housenumber = nxt[0].text
        street_words = [t for t in street_seg if t.kind == "word" or _is_number(t)]
    else:
        street_words = [t for t in street_seg[:number_at]
                        if t.text not in rules.number_words]
        housenumber = street_seg[number_at].text
        rest = list(itertools.takewhile(lambda r: not (r.kind == "postcode" and r.strong),
                                        street_seg[number_at + 1:]))
        if rest and rest[0].kind == "word" and (len(rest[0].text) == 1
                                                or rest[0].text in ("bis", "ter")):
            housenumber += rest[0].text
            rest = rest[1:]
        if not street_words and rest:  # "12 rue de la Paix"
            street_words = [t for t in rest if t.kind in ("word", "number")]
            rest = []
        unit = " ".join(t.text for t in rest)
    street = " ".join(t.text + ("." if t.dotted else "") for t in street_words
                      if t.text != "sn")
    others = [s for s in segments if s is not street_seg]
    locality_tokens = [t.text for s in others for t in s
                       if t.kind == "word" and t.text not in rules.unit_words]
    if not others:  # "Städtle 5 9490 Vaduz": words after the postcode
        tail = street_seg[number_at + 1:] if number_at is not None else street_seg
        locality_tokens = [t.text for t in tail if t.kind == "word" and len(t.text) > 1]
        unit = "" if locality_tokens else unit
    return ParsedAddress(street=street, housenumber=housenumber, postcode=postcode,
                         locality=" ".join(locality_tokens), unit=unit)
