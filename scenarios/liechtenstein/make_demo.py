#!/usr/bin/env python3
"""Build the Liechtenstein demo day: ``work_orders.csv`` and ``technicians.csv``.

Every address is a real one, read from the OpenStreetMap extract next to this
script (© OpenStreetMap contributors, ODbL 1.0, see ATTRIBUTION.md). Customers,
phone numbers and jobs are invented. Standard library only and seeded, so two
runs give byte-identical files:

    python scenarios/liechtenstein/make_demo.py

scenario.toml, absences.csv and README.md are written by hand.
"""

import bz2
import csv
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
OSM_FILE = HERE / "liechtenstein-2021-01.osm.bz2"
BBOX = (47.054, 47.255, 9.473, 9.616)  # south, north, west, east of the drive network
# postcode -> (municipality, place names accepted as addr:city)
POSTCODES = {
    "9485": ("Eschen", ("Nendeln",)), "9486": ("Mauren", ("Schaanwald",)),
    "9487": ("Gamprin", ("Gamprin", "Bendern", "Gamprin-Bendern")),
    "9488": ("Schellenberg", ("Schellenberg",)), "9490": ("Vaduz", ("Vaduz",)),
    "9491": ("Ruggell", ("Ruggell",)), "9492": ("Eschen", ("Eschen",)),
    "9493": ("Mauren", ("Mauren",)), "9494": ("Schaan", ("Schaan",)),
    "9495": ("Triesen", ("Triesen",)), "9496": ("Balzers", ("Balzers",)),
    "9497": ("Triesenberg", ("Triesenberg", "Malbun", "Steg")), "9498": ("Planken", ("Planken",)),
}
# Orders per municipality, roughly by population (80 in all).
QUOTA = {"Vaduz": 13, "Schaan": 12, "Triesen": 10, "Balzers": 9, "Eschen": 9, "Mauren": 8,
         "Triesenberg": 6, "Ruggell": 5, "Gamprin": 4, "Schellenberg": 3, "Planken": 1}
DEPOT = ("Im Troexle", "35", "9494")  # the company's depot in Schaan

# tech_id, name, skills, home municipality, shift, lunch?, max overtime (min),
# efficiency, cost_per_km, cost_per_hour, van_stock
TECHS = [
    ("T01", "Lukas Büchel", "hvac;heat_pump", "Schaan", "07:30-16:30", True, 30,
     "1.0", "0.38", "48", "filter;thermostat;pump"),
    ("T02", "Sandra Marxer", "electrical", "Vaduz", "08:00-17:00", True, 60,
     "0.95", "0.35", "46", "fuse;thermostat"),
    ("T03", "Markus Kaiser", "plumbing;gas", "Triesen", "07:30-16:30", True, 30,
     "1.0", "0.40", "50", "valve;igniter;pump"),
    ("T04", "Daniel Wohlwend", "appliance;electrical", "Eschen", "08:00-17:00", True, 45,
     "1.1", "0.36", "42", "fuse;filter"),
    ("T05", "Patrick Vogt", "hvac;gas", "Balzers", "07:30-16:30", True, 60,
     "0.9", "0.42", "55", "filter;igniter;thermostat;valve"),
    ("T06", "Nicole Hasler", "plumbing", "Mauren", "08:00-17:00", True, 0,
     "1.05", "0.33", "40", "valve;pump"),
    ("T07", "Stefan Ritter", "electrical;heat_pump", "Ruggell", "07:30-16:30", True, 30,
     "1.0", "0.37", "47", "fuse;pump;thermostat"),
    ("T08", "Claudia Oehri", "appliance", "Gamprin", "08:00-12:30", False, 0,  # part-time
     "1.0", "0.30", "36", "filter;fuse"),
    ("T09", "Manuel Beck", "gas;hvac;plumbing", "Triesenberg", "07:30-16:30", True, 15,
     "0.95", "0.45", "52", "filter;igniter;valve"),
    ("T10", "Julian Frommelt", "hvac;plumbing", "Schellenberg", "08:00-17:00", True, 0,
     "1.3", "0.32", "30", "filter;thermostat;valve"),
]
END_AT_DEPOT = "T10"  # the apprentice (efficiency 1.3) brings the van back to the depot

# Required skills of the 77 ordinary orders; the 3 special ones are added below.
SKILL_MIX = {"hvac": 16, "plumbing": 15, "electrical": 14, "appliance": 9, "gas": 7,
             "heat_pump": 5, "gas;hvac": 3, "electrical;heat_pump": 2, "": 6}
SERVICE_MIN = {20: 10, 30: 28, 45: 22, 60: 12, 90: 6, 120: 2}  # minutes: number of orders
PRIORITIES = {"critical": 6, "high": 16, "normal": 41, "low": 14}  # + 3 special normal ones
WINDOWS = ["08:00-10:00", "08:00-10:00", "10:00-12:00", "08:00-12:00", "09:00-11:00",
           "13:00-15:00", "13:00-15:00", "14:00-16:00", "13:00-16:00"]
TWO_WINDOWS = ["08:00-09:00;15:00-16:00", "08:00-10:00;14:00-16:00", "09:00-10:00;13:00-14:00"]
# Deliberately unservable (see README.md): order number -> overrides.
SPECIAL = {
    1017: {"required_skills": "elevator", "business": "Treuhand {} AG"},  # nobody has the skill
    1042: {"required_skills": "heat_pump", "required_parts": "compressor"},  # no van carries it
    1066: {"required_skills": "plumbing", "time_windows": "20:00-21:00"},  # after every shift
}
# Service-quality columns on a few orders (no random draws, so the rest stays as it was):
REMOTE = {1018, 1068}  # settled by video support: visits avoided
PARTS_READY = {1052: "13:00", 1008: "10:30"}  # parts delivered to the van by then
# Technicians' areas: polygons of territories.geojson or postcode prefixes (soft in
# scenario.toml: a visit outside costs extra, none is refused).
TERRITORIES = {"T03": "Oberland", "T05": "9495;9496;9497", "T06": "Unterland",
               "T08": "Unterland"}
# When each priority's requests came in, before the plan date 2026-12-01.
# (date, first hour, number of hours spread over): critical ones came in this morning.
CREATED = {"critical": ("2026-12-01", 6, 2), "high": ("2026-11-30", 10, 7),
           "normal": ("2026-11-30", 8, 7), "low": ("2026-11-27", 9, 7)}
NOTES = ["Dog in garden", "Key with neighbour", "Ring twice", "Call 30 min before arrival",
         "Boiler room in the basement", "Entrance at the back", "Park in the courtyard",
         "Please wear shoe covers", "Parking is tight, use the visitor spot",
         "Follow-up from last visit",
         "Warranty case", "Intercom broken, call on arrival", "Steep driveway",
         "Customer speaks English", "Side door, not the main entrance", "Access via the garage"]
SURNAMES = ["Frick", "Büchel", "Marxer", "Beck", "Kaiser", "Ritter", "Hasler", "Vogt", "Wohlwend",
            "Meier", "Negele", "Kind", "Batliner", "Gassner", "Schädler", "Sprenger", "Walser",
            "Matt", "Nigg", "Risch", "Eberle", "Bühler", "Ospelt", "Quaderer", "Wanger", "Kieber",
            "Jehle", "Lampert", "Konrad", "Heeb", "Brunhart", "Gstöhl", "Hoop", "Foser", "Tschol",
            "Sele", "Näscher", "Banzer", "Schurte", "Kranz", "Senti", "Bargetze", "Kaufmann",
            "Goop"]
FIRST_NAMES = ["Andreas", "Thomas", "Martin", "Michael", "Christoph", "Peter", "Roland", "Elmar",
               "Pius", "Hubert", "Josef", "Walter", "Reto", "Anna", "Julia", "Monika", "Andrea",
               "Sabine", "Petra", "Maria", "Brigitte", "Karin", "Silvia", "Barbara", "Ursula"]
BUSINESSES = ["Bäckerei {}", "Treuhand {} AG", "Coiffeur {}", "Zahnarztpraxis Dr. {}", "Café {}",
              "Schreinerei {} AG", "Physiotherapie {}", "Architekturbüro {}", "Metzgerei {}",
              "Malergeschäft {}", "Blumen {}", "Gasthaus {}"]
# Parts a job of each skill may need (chosen among those a capable technician carries).
PARTS = {"hvac": ["filter", "thermostat"], "plumbing": ["valve", "pump"], "electrical": ["fuse"],
         "appliance": ["filter", "fuse"], "gas": ["igniter", "valve"],
         "heat_pump": ["pump", "filter", "thermostat"]}
BUSINESS_BUILDINGS = {"commercial", "retail", "industrial", "office", "warehouse"}
HOUSE_NUMBER = re.compile(r"\d+[A-Za-z]?")  # skip "2-4", "36;38", "76, 76a, 76b"


def read_addresses(path: Path) -> list[dict]:
    """Nodes and ways with addr:housenumber + addr:street; a way sits at its nodes' centroid."""
    coords: dict[str, tuple[float, float]] = {}
    found = []
    with bz2.open(path) as f:
        for _, el in ET.iterparse(f, events=("end",)):
            if el.tag not in ("node", "way", "relation"):
                continue
            tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
            if el.tag == "node":
                coords[el.get("id")] = (float(el.get("lat")), float(el.get("lon")))
            if "addr:housenumber" in tags and "addr:street" in tags and el.tag != "relation":
                if el.tag == "node":
                    points = [coords[el.get("id")]]
                else:
                    refs = [nd.get("ref") for nd in el.findall("nd")]
                    if len(refs) > 1 and refs[0] == refs[-1]:
                        refs = refs[:-1]  # a closed way repeats its first node
                    points = [coords[r] for r in refs]
                found.append({
                    "street": tags["addr:street"], "number": tags["addr:housenumber"],
                    "postcode": tags.get("addr:postcode", ""), "city": tags.get("addr:city", ""),
                    "building": tags.get("building", ""),
                    "lat": sum(p[0] for p in points) / len(points),
                    "lon": sum(p[1] for p in points) / len(points),
                })
            el.clear()
    return found


def in_liechtenstein(a: dict) -> bool:
    if a["postcode"]:
        return a["postcode"].isdigit() and 9485 <= int(a["postcode"]) <= 9498
    return BBOX[0] <= a["lat"] <= BBOX[1] and BBOX[2] <= a["lon"] <= BBOX[3]


def street_key(street: str) -> str:
    """One key for spelling variants: "St. Martins-Ring" = "Sankt Martins-Ring"."""
    street = street.lower().replace("st.", "sankt").replace("str.", "strasse")
    return re.sub(r"[\s.-]", "", street)


def postal_pools(addresses: list[dict]) -> dict[str, list[dict]]:
    """Full postal addresses (postcode + matching place name), one per address, by municipality."""
    pools: dict[str, list[dict]] = {}
    seen = set()
    for a in addresses:
        key = (street_key(a["street"]), a["number"].lower(), a["postcode"])
        place = POSTCODES.get(a["postcode"])
        if (key in seen or not place or a["city"] not in place[1]
                or not HOUSE_NUMBER.fullmatch(a["number"])):
            continue
        seen.add(key)
        a["address"] = f"{a['street']} {a['number']}, {a['postcode']} {a['city']}"
        pools.setdefault(place[0], []).append(a)
    return pools


def spread(counts: dict, rng: random.Random) -> list:
    """The keys of ``counts``, each repeated its count, in random order."""
    items = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(items)
    return items


def six(x: float | None) -> str:
    return "" if x is None else f"{x:.6f}"


def service_columns(n: int, priority: str, site: dict) -> dict:
    """created_at (by priority, spread by order number), remote_resolvable, parts_ready_at
    and postcode of order ``n``."""
    day, first_hour, hours = CREATED[priority]
    created = f"{day} {first_hour + n % hours:02d}:{(n * 7) % 60:02d}"
    return {"created_at": created, "remote_resolvable": "true" if n in REMOTE else "",
            "parts_ready_at": PARTS_READY.get(n, ""), "postcode": site["postcode"]}


def main() -> None:
    rng = random.Random(2026)
    addresses = read_addresses(OSM_FILE)
    inside = [a for a in addresses if in_liechtenstein(a)]
    pools = postal_pools(inside)
    print(f"{len(addresses)} addresses with street + house number, {len(inside)} in "
          f"Liechtenstein, {sum(map(len, pools.values()))} full postal addresses")
    for pool in pools.values():
        rng.shuffle(pool)
    depot = next(a for a in pools["Schaan"] if (a["street"], a["number"], a["postcode"]) == DEPOT)
    pools["Schaan"].remove(depot)

    techs, skills_of, stock_of = [], {}, {}
    for tid, name, skills, town, shift, lunch, ot, eff, km, hour, stock in TECHS:
        home = pools[town].pop()
        end = depot if tid == END_AT_DEPOT else {"lat": None, "lon": None}
        meal = ("11:30", "13:30", 30) if lunch else ("", "", "")
        techs.append({
            "tech_id": tid, "name": name, "skills": skills, "home_address": home["address"],
            "home_lat": six(home["lat"]), "home_lon": six(home["lon"]),
            "end_lat": six(end["lat"]), "end_lon": six(end["lon"]),
            "shift_start": shift[:5], "shift_end": shift[6:], "lunch_earliest": meal[0],
            "lunch_latest": meal[1], "lunch_min": meal[2], "max_overtime_min": ot,
            "efficiency": eff, "cost_per_km": km, "cost_per_hour": hour, "van_stock": stock,
            "capacity": "", "territories": TERRITORIES.get(tid, ""),
        })
        skills_of[tid], stock_of[tid] = set(skills.split(";")), set(stock.split(";"))

    def capable(skills: str) -> list[str]:
        need = set(filter(None, skills.split(";")))
        return [t for t in skills_of if need <= skills_of[t]]

    sites = [a for town, n in QUOTA.items() for a in pools[town][:n]]
    rng.shuffle(sites)
    numbers = list(range(1001, 1001 + len(sites)))
    regular = [n for n in numbers if n not in SPECIAL]
    skills = dict(zip(regular, spread(SKILL_MIX, rng), strict=True))
    priority = dict(zip(regular, spread(PRIORITIES, rng), strict=True))
    service = dict(zip(numbers, spread(SERVICE_MIN, rng), strict=True))
    non_critical = [n for n in regular if priority[n] != "critical"]
    windowed = rng.sample(non_critical, 27)
    windows = {n: TWO_WINDOWS[i] if i < len(TWO_WINDOWS) else rng.choice(WINDOWS)
               for i, n in enumerate(windowed)}
    with_skill = [n for n in regular if skills[n]]
    picked = rng.sample(with_skill, 14)
    preferred = {n: rng.choice(capable(skills[n])) for n in picked[:5]}
    excluded = {n: rng.choice(capable(skills[n])) for n in picked[5:8]
                if len(capable(skills[n])) > 1}
    parts = {}
    for n in picked[8:]:
        carried = set().union(*(stock_of[t] for t in capable(skills[n])))
        parts[n] = rng.choice([p for s in skills[n].split(";") for p in PARTS[s] if p in carried])
    notes = dict(zip(rng.sample(numbers, 16), rng.sample(NOTES, 16), strict=True))

    orders, used_names = [], set()
    for n, site in zip(numbers, sites, strict=True):
        special = SPECIAL.get(n, {})
        usual = site["building"] in BUSINESS_BUILDINGS or rng.random() < 0.2
        business = special.get("business", usual)
        while True:
            surname = rng.choice(SURNAMES)
            if isinstance(business, str):
                customer = business.format(surname)
            elif business:
                customer = rng.choice(BUSINESSES).format(surname)
            elif rng.random() < 0.4:
                customer = f"Familie {surname}"
            else:
                customer = f"{rng.choice(FIRST_NAMES)} {surname}"
            if customer not in used_names:
                break
        used_names.add(customer)
        prio = priority.get(n, "normal")
        tw = special.get("time_windows", windows.get(n, ""))
        if prio == "critical":
            sla = rng.choice(["11:00", "11:30", "12:00"])
        elif prio == "high":
            sla = tw[-5:] if tw else rng.choice(["12:00", "13:00", "14:00", "15:00", "16:00"])
        else:
            sla = ""
        orders.append({
            "order_id": f"WO-{n}", "customer": customer, "address": site["address"],
            "lat": six(site["lat"]), "lon": six(site["lon"]), "service_min": service[n],
            "required_skills": special.get("required_skills", skills.get(n, "")),
            "priority": prio, "time_windows": tw, "sla_due": sla,
            "preferred_techs": preferred.get(n, ""), "excluded_techs": excluded.get(n, ""),
            "required_parts": special.get("required_parts", parts.get(n, "")), "demand": "",
            "phone": "+423 2{:02d} {:02d} {:02d}".format(*(rng.randrange(100) for _ in "abc")),
            "notes": notes.get(n, ""),
            **service_columns(n, prio, site),
        })

    for name, rows in (("technicians.csv", techs), ("work_orders.csv", orders)):
        with open(HERE / name, "w", newline="", encoding="utf-8") as f:  # columns as in the doc
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    total = sum(int(o["service_min"]) for o in orders)
    print(f"wrote {len(techs)} technicians, {len(orders)} orders, {total / 60:.1f} service hours")


if __name__ == "__main__":
    main()
