"""``fsopt anonymise``: a copy of a scenario that can be shared for support or benchmarks.

Every table of the folder (CSV, Excel, Parquet; the scenario's tables and others such
as an events file) is written as a UTF-8 CSV with the personal columns replaced:
customer and technician names by pseudonyms (the same name gets the same pseudonym in
every file, so events still match their orders), phone numbers by numbers that reach
nobody, notes and absence reasons by a placeholder. Coordinates, addresses, times,
skills and every other column are kept as they are, so that the copy plans the same
day. scenario.toml, OSM extracts, territories.geojson, address rules and licence files
are copied as they are; any other file (a script, a README, an events JSON) is left out,
since it may hold the names replaced, and listed.
"""

from __future__ import annotations

import csv
import shutil
import tomllib
from pathlib import Path

from optimizer.errors import InputError
from optimizer.io.tables import TABLE_SUFFIXES, read_table

#: Column -> what replaces a non-empty cell (``{n}``: the value's number in its kind).
REPLACED = {
    "customer": "Customer {n:03d}",
    "name": "Technician {n:02d}",
    "phone": "+000 000 {n:04d}",
    "notes": "(note removed)",
    "reason": "(reason removed)",
}


def anonymise_scenario(folder: str | Path, out_dir: str | Path, *,
                       left_out: list[Path] | None = None) -> list[Path]:
    """Write an anonymised copy of the scenario ``folder`` into ``out_dir``.

    Returns the files written; files that are neither a table nor scenario data
    (:func:`is_scenario_data`: scripts, notes, JSON) are not copied, since they may hold
    the very names replaced, and are added to ``left_out``. Raises :class:`InputError`
    for a folder without scenario.toml, a what-if scenario (anonymise its base), or
    ``out_dir`` inside ``folder`` or holding files already.
    """
    folder, out_dir = Path(folder), Path(out_dir)
    toml_path = folder / "scenario.toml"
    if not toml_path.is_file():
        raise InputError(f"{folder}: not a scenario folder (no scenario.toml)")
    try:
        config = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{toml_path}: not valid TOML: {exc}") from None
    if "base" in config.get("scenario", {}):
        raise InputError(f"{toml_path}: a what-if scenario; anonymise its base scenario "
                         "(slots booked on the what-if's plan, in its bookings.csv, are not "
                         "shared that way)")
    source, target = folder.resolve(), out_dir.resolve()
    if target == source or source in target.parents:
        raise InputError(f"--out {out_dir}: must be outside the scenario folder {folder}")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: not a folder (a file of that name exists)")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise InputError(f"--out {out_dir}: folder is not empty")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out_dir}: the folder cannot be created "
                         f"({exc.strerror or exc})") from None
    pseudonyms: dict[str, dict[str, str]] = {column: {} for column in REPLACED}
    written = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_dir() or any(part.startswith(".") for part in relative.parts):
            continue
        target_path = out_dir / relative
        target_path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() in TABLE_SUFFIXES:
            target_path = target_path.with_suffix(".csv")
            _anonymised_table(path, target_path, pseudonyms)
        elif is_scenario_data(path):
            shutil.copy2(path, target_path)
        else:
            if left_out is not None:
                left_out.append(path)
            continue
        written.append(target_path)
    return written


#: What a copy keeps besides the tables: the settings (scenario.toml, address rules), the
#: places (OSM extracts, territory polygons) and their licences.
DATA_SUFFIXES = (".toml", ".geojson", ".osm", ".pbf", ".osm.bz2", ".osm.gz")
LICENCE_NAMES = ("attribution", "licence", "license", "copying", "notice")


def is_scenario_data(path: Path) -> bool:
    """Whether ``path`` is copied as it is: scenario settings, OSM data, territories, or
    the licence and attribution that must travel with the OSM data."""
    name = path.name.lower()
    return name.endswith(DATA_SUFFIXES) or name.startswith(LICENCE_NAMES)


def _anonymised_table(path: Path, target: Path, pseudonyms: dict[str, dict[str, str]]) -> None:
    table = read_table(path)
    # A plain writer, not outputs.safe_cell: the copy is an input and must read back
    # exactly as the original did.
    with target.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([_replaced(column, row.cells.get(column, ""), pseudonyms)
                             for column in table.columns])


def _replaced(column: str, value: str, pseudonyms: dict[str, dict[str, str]]) -> str:
    if column not in REPLACED or not value:
        return value
    seen = pseudonyms[column]
    if value not in seen:
        seen[value] = REPLACED[column].format(n=len(seen) + 1)
    return seen[value]
