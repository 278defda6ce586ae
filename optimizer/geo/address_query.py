"""An address read against the extract's own street names (for :mod:`.gazetteer`).

:func:`parse_query` tokenises a query with :class:`~.address_rules.AddressRules`
(postcodes of the extract's countries kept whole), takes the longest run of words
that names a street of the index (numbers included: "Avenida 25 de Abril") as the
street, the number next to it as the house number, and known postcodes and locality
names (``addr:city``, ``addr:suburb``, ``place=*`` in any language) as the locality.
A typo is matched against every street with a similar name (:data:`FUZZY_CUTOFF`),
tried also when the exact street leaves words of the query unexplained.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from optimizer.geo.address_index import GazetteerIndex
from optimizer.geo.address_rules import TYPE_MARK, AddressRules, Token, load_rules


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into its parts, with the street groups its street name matches."""

    housenumber: str
    groups: tuple[int, ...]
    fuzzy: bool = False
    postcodes: frozenset[str] = frozenset()
    localities: frozenset[str] = frozenset()
    unknown_postcode: bool = False
    street: str = ""
    #: Words of the query that are neither street, number, postcode nor locality.
    leftover: int = 0


def parse_query(index: GazetteerIndex, query: str, rules: AddressRules | None = None
                ) -> ParsedQuery | None:
    """Find the house number, street, postcode and locality in ``query`` (any order).

    Returns a query without groups if no street of the index is named in it, even
    fuzzily (a locality alone may still be found), and None if nothing is.
    """
    rules = rules or load_rules()
    variants = [rules.tokenize(query, umlaut_e=e) for e in (False, True)]
    exact = [p for p in (_parse(index, rules, toks, fuzzy=False) for toks in variants)
             if p is not None and p.groups]
    best = min(exact, key=lambda p: p.leftover) if exact else None
    if best is None or best.leftover:
        # a typo, or words the exact street leaves unexplained: try similar names too
        fuzzy = [p for p in (_parse(index, rules, toks, fuzzy=True) for toks in variants)
                 if p is not None and p.groups]
        if fuzzy:
            candidate = min(fuzzy, key=lambda p: p.leftover)
            if best is None or candidate.leftover < best.leftover:
                best = candidate
    if best is not None:
        return best
    plain = _parse(index, rules, variants[0], fuzzy=False)
    return plain if plain is not None and (plain.localities or plain.postcodes) else None


def _is_number(t: Token, index: GazetteerIndex) -> bool:
    return t.kind == "number" or (t.kind == "postcode" and not t.strong
                                  and t.text not in index.postcodes)


def _parse(index: GazetteerIndex, rules: AddressRules, toks: list[Token], *, fuzzy: bool
           ) -> ParsedQuery | None:
    roles = ["," if t.kind == "sep" else "" for t in toks]
    for i, t in enumerate(toks):
        if t.kind == "postcode" and (t.strong or t.text in index.postcodes):
            roles[i] = "postcode"
    best, score, groups = None, None, ()
    n = len(toks)
    for i in range(n):
        for j in range(i + 1, n + 1):
            if roles[j - 1]:
                break
            span = toks[i:j]
            if span[0].kind != "word" and j - i == 1:
                continue
            key = rules.key(span)
            if not rules.bare_key(key) and key.startswith("~") and j < n and toks[j].kind == "word":
                continue  # "Carrer" alone is a street only when nothing follows it

            tier, ratio, hit = 0, 1.0, None
            if key in index.street_keys:
                tier, hit = 3, index.street_keys[key]
            elif key in index.bare_street_keys:
                tier, hit = 2, index.bare_street_keys[key]
            elif (fuzzy and len(key) >= 5 and j - i <= 8 and span[0].kind == "word"
                  and span[-1].kind == "word"):
                close = sorted(_close_streets(index, rules, "".join(t.text for t in span))
                               + _close_streets(index, rules, key.replace(TYPE_MARK, "")),
                               key=lambda c: -c[1])
                if close:
                    # every similar street: the house number and the locality choose
                    tier, ratio = 1, close[0][1]
                    hit = tuple(dict.fromkeys(g for k, _r in close
                                              for g in index.street_keys[k]))
            if hit is None:
                continue
            before = toks[i - 1] if i else None
            after = toks[j] if j < n else None
            adjacent = any(x is not None and _is_number(x, index) for x in (before, after))
            candidate = ((j - i, tier, ratio, adjacent, -i) if fuzzy
                         else (tier, ratio, j - i, adjacent, -i))
            if score is None or candidate > score:
                best, score, groups = (i, j), candidate, hit
    if best is not None:
        for k in range(*best):
            roles[k] = "street"
    housenumber = _housenumber(index, rules, toks, roles, best)
    country = _country(rules, toks, roles)
    for k in range(*country):
        roles[k] = "country"
    localities = _localities(index, rules, toks, roles)
    if (country[0] < n and not localities and "postcode" not in roles
            and rules.key(toks[country[0]:]) in index.city_keys):
        # "rue X 5, Luxembourg": the country's name is the only place named, and the
        # extract has a place of that name
        for k in range(*country):
            roles[k] = ""
        localities = _localities(index, rules, toks, roles)
    ignored = rules.particles | rules.unit_words | rules.number_words | set(rules.type_of)
    leftover = sum(1 for t, r in zip(toks, roles, strict=True)
                   if not r and t.kind == "word" and len(t.text) >= 3 and t.text.isalpha()
                   and t.text not in ignored)
    postcodes = frozenset(t.text for t, r in zip(toks, roles, strict=True) if r == "postcode")
    unknown = any(not r and (t.kind == "postcode" or (_is_number(t, index) and len(t.text) >= 4))
                  for t, r in zip(toks, roles, strict=True)) or any(
        p not in index.postcodes for p in postcodes)
    street = " ".join(t.text for t in toks[best[0]:best[1]]) if best else ""
    if best is None and not localities and not postcodes:
        return None
    is_fuzzy = score is not None and (score[1] if fuzzy else score[0]) == 1
    return ParsedQuery(housenumber, tuple(groups), is_fuzzy, postcodes, frozenset(localities),
                       unknown, street, leftover)


def _country(rules: AddressRules, toks: list[Token], roles: list[str]) -> tuple[int, int]:
    """The span of a country's name at the end of the query (``[country.*] names``), after
    something else; ``(n, n)`` if there is none."""
    n = len(toks)
    for i in range(1, n):
        span = toks[i:]
        if (not any(roles[i:]) and all(t.kind == "word" for t in span)
                and rules.key(span) in rules.country_keys):
            return i, n
    return n, n


def _localities(index: GazetteerIndex, rules: AddressRules, toks: list[Token],
                roles: list[str]) -> set[str]:
    """Keys of the places named in the words not yet given a role (each marked
    ``"locality"`` in ``roles``). A name inside a longer one is not a place of its own:
    "Andorra la Vella" names one town, not also a hamlet's "Andorra"."""
    n = len(toks)
    spans = []
    for i in range(n):
        for j in range(i + 1, n + 1):
            if roles[j - 1]:
                break
            key = rules.key(toks[i:j])
            if key in index.city_keys:
                spans.append((i, j, key))
    longest = [(i, j, key) for i, j, key in spans
               if not any(a <= i and j <= b and b - a > j - i for a, b, _k in spans)]
    for i, j, _key in longest:
        for k in range(i, j):
            roles[k] = "locality"
    return {key for _i, _j, key in longest}


def _housenumber(index: GazetteerIndex, rules: AddressRules, toks: list[Token],
                 roles: list[str], span: tuple[int, int] | None) -> str:
    """The number next to the street (after it, else before it); marks it in ``roles``."""
    n = len(toks)

    def take(k: int) -> str:
        roles[k] = "number"
        value = toks[k].text
        nxt = toks[k + 1] if k + 1 < n else None
        if (nxt is not None and not roles[k + 1] and nxt.kind == "word" and value.isdigit()
                and (len(nxt.text) == 1 or nxt.text in ("bis", "ter"))):
            flat = toks[k + 2] if k + 2 < n else None
            if (len(nxt.text) == 1 and flat is not None and not roles[k + 2]
                    and flat.kind == "number" and flat.text.isdigit() and len(flat.text) <= 3):
                # "Keskuskatu 1 A 12": staircase A, flat 12 of house 1 (Finland, Sweden)
                roles[k + 1] = roles[k + 2] = "unit"
                return value
            roles[k + 1] = "number"
            value += nxt.text
        return value

    if span is not None:
        k = span[1]
        while k < n and (toks[k].kind == "sep" or toks[k].text in rules.number_words):
            k += 1
        if k < n and not roles[k] and _is_number(toks[k], index):
            return take(k)
        k = span[0] - 1
        while k >= 0 and (toks[k].kind == "sep" or toks[k].text in rules.number_words):
            k -= 1
        if k >= 0 and not roles[k] and _is_number(toks[k], index):
            return take(k)
    for k, t in enumerate(toks):
        if not roles[k] and t.kind == "number" and len(re.match(r"\d*", t.text).group()) <= 3:
            return take(k)
    return ""


_FUZZY: dict[tuple[str, str, str], list[tuple[str, float]]] = {}
_PLAIN: dict[tuple[str, str], dict[str, str]] = {}
#: A street written with a typo matches names at least this similar (difflib ratio).
FUZZY_CUTOFF = 0.85


def _close_streets(index: GazetteerIndex, rules: AddressRules, plain: str
                   ) -> list[tuple[str, float]]:
    """Street keys whose names, written plainly (folded, no spaces), are most similar to
    ``plain``: ``(key, ratio)`` best first, ratio >= :data:`FUZZY_CUTOFF`, memoised."""
    table_key = (index.sha256, rules.digest)
    if table_key not in _PLAIN:
        table: dict[str, str] = {}
        for group in index.groups:
            name = "".join(t.text for t in rules.tokenize(group.street, postcodes=False)
                           if t.kind != "sep")
            for key in rules.name_keys(group.street):
                if key in index.street_keys:
                    table.setdefault(name, key)
                    table.setdefault(key.replace(TYPE_MARK, ""), key)
        _PLAIN[table_key] = table
    table = _PLAIN[table_key]
    memo_key = (index.sha256, rules.digest, plain)
    if memo_key not in _FUZZY:
        if len(_FUZZY) > 100_000:
            _FUZZY.clear()
        close = difflib.get_close_matches(plain, table, n=5, cutoff=FUZZY_CUTOFF)
        _FUZZY[memo_key] = [(table[c], difflib.SequenceMatcher(None, plain, c).ratio())
                            for c in close]
    return _FUZZY[memo_key]
