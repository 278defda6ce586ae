"""Geocoding accuracy of the offline gazetteer on real OSM addresses, written as people write.

For each extract in ../shared/data/osm (Liechtenstein: German; Helsinki centre: Finnish
and Swedish; Andorra: Catalan) a seeded sample of addressed objects (``addr:street`` +
``addr:housenumber``, with a postcode or city) is written in several forms and geocoded;
the object's own position is the truth. Per extract and form it reports the share with
confidence >= 0.5, the median error, the shares within 50 m and 250 m, the share whose
error radius covers the truth, and the count of confident (>= 0.5) matches more than
1 km off (the target is 0).

    PYTHONPATH=. python benchmarks/geocode.py [--sample 300] [--markdown]

Forms: ``canonical`` (street number, postcode city), ``abbreviated`` (street type
abbreviated: Str., k., g., C/, Av., Pl.), ``postcode_first``, ``no_postcode``,
``lower``, ``typo`` (one letter of the street changed), ``other_language`` (the town
in another language, where a ``place=*`` node has ``name:*``),
``street_other_language`` (the street's ``name:*``/``alt_name``/``old_name`` from its
road, where it has one), ``no_number``
(targets: right locality, radius covering the truth) and ``wrong_number`` (a number
the street does not have).
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import re
import statistics
import tempfile
import time
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from optimizer.geo.address_index import _read
from optimizer.geo.gazetteer import Gazetteer
from optimizer.geo.geocode import classify
from optimizer.geo.geocode_cache import Candidate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"
EXTRACTS = {
    "liechtenstein (de)": "liechtenstein-2021-01.osm.bz2",
    "helsinki centre (fi/sv)": "helsinki-centre-2019-04.osm.bz2",
    "andorra (ca)": "andorra-2021-06.osm.pbf",
}
#: Written-out street types and one abbreviation people use for each.
ABBREVIATE = [
    (r"strasse$", "str."), (r"straße$", "str."), (r"katu$", "k."), (r"gatan$", "g."),
    (r"tie$", "t."), (r"vägen$", "v."), (r"^Carrer ", "C/ "), (r"^Avinguda ", "Av. "),
    (r"^Plaça ", "Pl. "), (r"^Passeig ", "Pg. "), (r"^Carretera ", "Ctra. "),
    (r"^Camí ", "Cm. "), (r"weg$", "weg"), (r"gasse$", "g."),
]
FORMS = ("canonical", "abbreviated", "postcode_first", "no_postcode", "lower", "typo",
         "other_language", "street_other_language", "no_number", "wrong_number")
WELL_FORMED = FORMS[:8]


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_008.8 * math.hypot(math.radians(lat2 - lat1), dx)


def abbreviate(street: str) -> str | None:
    for pattern, short in ABBREVIATE:
        if re.search(pattern, street):
            out = re.sub(pattern, short, street)
            return out if out != street else None
    return None


def typo(street: str, rng: random.Random) -> str | None:
    letters = [i for i, ch in enumerate(street) if ch.isalpha() and i > 0]
    if len(street) < 7 or len(letters) < 5:
        return None
    i = rng.choice(letters[1:-1])
    return street[:i] + ("e" if street[i] != "e" else "a") + street[i + 1:]


def forms_of(a: dict, rng: random.Random, other_names: dict[str, list[str]],
             numbers: dict[str, set[str]], street_names: dict[str, list[str]] | None = None
             ) -> dict[str, str]:
    street, number, postcode, city = a["street"], a["number"], a["postcode"], a["city"]
    loc = " ".join(x for x in (postcode, city) if x)
    out = {
        "canonical": f"{street} {number}, {loc}",
        "postcode_first": f"{loc}, {street} {number}",
        "no_postcode": f"{street} {number}, {city}" if city else f"{street} {number}",
        "lower": f"{street} {number}, {loc}".lower(),
        "no_number": f"{street}, {loc}",
    }
    short = abbreviate(street)
    if short:
        out["abbreviated"] = f"{short} {number}, {loc}"
    wrong = typo(street, rng)
    if wrong:
        out["typo"] = f"{wrong} {number}, {loc}"
    others = [n for n in other_names.get(city, []) if n != city]
    if others:
        out["other_language"] = f"{street} {number}, {postcode} {rng.choice(others)}".strip()
    streets = (street_names or {}).get(street, [])
    if streets:
        out["street_other_language"] = f"{rng.choice(sorted(streets))} {number}, {loc}"
    taken = numbers[street]
    digits = [int(n) for n in taken if n.isdigit()]
    if digits:
        first = int(number) + 2 if number.isdigit() else max(digits) + 2
        for candidate in (first, max(digits) + 1):
            if str(candidate) not in taken:
                out["wrong_number"] = f"{street} {candidate}, {loc}"
                break
    return out


def _latin(name: str) -> bool:
    return all(ch.isascii() or not unicodedata.category(ch).startswith("L")
               or unicodedata.name(ch, "").startswith("LATIN") for ch in name)


def addresses_of(path: Path) -> tuple[list[dict], dict[str, list[str]], dict[str, list[str]]]:
    """Addressed objects, the towns' other names, and the streets' other names."""
    addressed, _, places, aliases = _read(path)
    street_names: dict[str, list[str]] = defaultdict(list)
    for name, alias in aliases:
        if _latin(alias) and len(alias) > 3 and ";" not in alias:
            street_names[name].append(alias)
    found = []
    for _ref, tags, lat, lon in addressed:
        street, number = tags.get("addr:street"), tags.get("addr:housenumber", "")
        if not street or not re.fullmatch(r"\d+[a-zA-Z]?", number):
            continue
        postcode, city = tags.get("addr:postcode", ""), tags.get("addr:city", "")
        if postcode or city:
            found.append({"street": street, "number": number, "postcode": postcode,
                          "city": city, "lat": lat, "lon": lon})
    other: dict[str, list[str]] = {}
    for _kind, names, _lat, _lon in places:
        variants = [n for n in names[1:] if n != names[0] and len(n) > 2 and _latin(n)]
        if variants:
            other[names[0]] = variants
    return found, other, street_names


def run(sample: int, seed: int) -> list[dict]:
    rows = []
    cache = Path(tempfile.mkdtemp(prefix="fsopt-geocode-bench-"))
    for label, name in EXTRACTS.items():
        path = DATA / name
        if not path.exists():
            print(f"skipping {label}: {path} missing")
            continue
        started = time.perf_counter()
        gazetteer = Gazetteer(path, cache_dir=cache)
        build_s = time.perf_counter() - started
        found, other, street_names = addresses_of(path)
        seen = defaultdict(int)
        for a in found:
            seen[(a["street"], a["number"], a["postcode"], a["city"])] += 1
        # one object per address (entrances and buildings often repeat the address)
        unique = [a for a in found if seen[(a["street"], a["number"], a["postcode"],
                                              a["city"])] == 1]
        numbers: dict[str, set[str]] = defaultdict(set)
        for a in found:
            numbers[a["street"]].add(a["number"])
        rng = random.Random(seed)
        picked = rng.sample(unique, min(sample, len(unique)))
        results: dict[str, list[dict]] = defaultdict(list)
        started = time.perf_counter()
        for a in picked:
            for form, query in forms_of(a, rng, other, numbers, street_names).items():
                places = gazetteer.geocode(query, exactly_one=False) or []
                # as fsopt decides: ambiguous rivals or a weak match are not routed
                row = classify("", query, [Candidate(p.latitude, p.longitude, p.address,
                                                     p.raw["confidence"], p.raw["match"],
                                                     p.raw["error_m"]) for p in places])
                if row.location is None:
                    results[form].append({"found": False})
                    continue
                place = next(p for p in places if p.address == row.matched_address
                             and (p.latitude, p.longitude) == (row.lat, row.lon))
                off = metres(place.latitude, place.longitude, a["lat"], a["lon"])
                raw = place.raw
                right_place = ((a["postcode"] and a["postcode"] in raw["postcode"].split(" / "))
                               or (a["city"] and raw["city"] == a["city"]))
                results[form].append({
                    "found": True, "off_m": off,
                    "confidence": raw["confidence"] if row.status != "ambiguous" else 0.0,
                    "error_m": raw["error_m"], "covered": off <= raw["error_m"],
                    "right_place": bool(right_place)})
        lookup_s = time.perf_counter() - started
        for form in FORMS:
            got = results.get(form, [])
            if not got:
                continue
            located = [r for r in got if r["found"]]
            confident = [r for r in located if r["confidence"] >= 0.5]
            n = len(got)
            rows.append({
                "extract": label, "form": form, "n": n,
                "confident_pct": 100 * len(confident) / n,
                "median_m": statistics.median(r["off_m"] for r in located) if located else None,
                "within_50_pct": 100 * sum(r["off_m"] <= 50 for r in located) / n,
                "within_250_pct": 100 * sum(r["off_m"] <= 250 for r in located) / n,
                "covered_pct": 100 * sum(r["covered"] for r in located) / n,
                "right_place_pct": 100 * sum(r["right_place"] for r in located) / n,
                "confident_over_1km": sum(r["off_m"] > 1000 for r in confident),
                "build_s": build_s, "lookup_ms": 1000 * lookup_s / max(1, sum(
                    len(v) for v in results.values())),
            })
    return rows


def markdown(rows: list[dict]) -> str:
    head = ("| extract | form | n | conf ≥ 0.5 | median error | ≤ 50 m | ≤ 250 m | "
            "radius covers truth | right locality | confident > 1 km |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = []
    for r in rows:
        median = f"{r['median_m']:.0f} m" if r["median_m"] is not None else "–"
        lines.append(
            f"| {r['extract']} | {r['form']} | {r['n']} | {r['confident_pct']:.1f} % | "
            f"{median} | {r['within_50_pct']:.1f} % | {r['within_250_pct']:.1f} % | "
            f"{r['covered_pct']:.1f} % | {r['right_place_pct']:.1f} % | "
            f"{r['confident_over_1km']} |")
    return head + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=300, help="addresses per extract")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    rows = run(args.sample, args.seed)
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
          f"{platform.processor() or ''}, Python {platform.python_version()}")
    if args.markdown:
        print(markdown(rows))
    else:
        for r in rows:
            print(r)
    timing = {r["extract"]: (r["build_s"], r["lookup_ms"]) for r in rows}
    for extract, (build_s, lookup_ms) in timing.items():
        print(f"{extract}: index built in {build_s:.1f} s, {lookup_ms:.2f} ms per lookup")


if __name__ == "__main__":
    main()
