"""Geocoding results as tables a dispatcher can read and correct.

:func:`geocoded_table` is the work orders with their coordinates (a corrected copy
can be used as ``work_orders.csv``); :func:`report_rows` is one row per geocoded
address with its status and candidates. :mod:`optimizer.outputs` writes them as CSV.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.geo.geocode import GeocodeResult
from optimizer.io.tables import read_table

#: Columns that ``geocoded_table`` adds to the input columns of work_orders.
GEOCODED_COLUMNS = ("lat", "lon", "matched_address", "geocode_confidence", "geocode_status",
                    "geocode_error_m")
#: Columns of ``geocode_report.csv``.
REPORT_COLUMNS = ("order_id", "query", "status", "reason", "confidence", "matched_address",
                  "lat", "lon", "candidates", "error_m", "match")
#: ``geocode_status`` of a row that had coordinates (and so was not geocoded).
GIVEN = "given"


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return ""
    return format(round(value, digits), "g" if digits < 4 else f".{digits}f")


def geocoded_table(result: GeocodeResult, *, source: str | Path
                   ) -> tuple[list[str], list[list[str]]]:
    """The header and rows of ``geocoded_work_orders.csv``: the input columns plus
    :data:`GEOCODED_COLUMNS`.

    A dispatcher can correct it (fill ``lat``/``lon`` of a failed row) and use it as
    ``work_orders.csv``: rows with coordinates are never geocoded again. So a row that
    needs review (``low_confidence``) keeps its ``lat``/``lon`` empty, its guess only in
    ``matched_address`` (and every candidate in ``geocode_report.csv``): filled, the
    file fed back as input routed a guess 8 km wide as if a person had checked it.

    Parameters
    ----------
    result : GeocodeResult
        From :func:`geocode_orders`.
    source : str or Path
        The input work_orders table (``.csv``, ``.xlsx`` or ``.parquet``), read as
        the loader reads it (:func:`optimizer.io.tables.read_table`: any encoding and
        separator a spreadsheet writes; headers in lower case, cells stripped); its
        columns and values are kept.

    Returns
    -------
    tuple of (list of str, list of list of str)
        Header and rows. ``geocode_status`` is ``given`` for rows that had coordinates.
    """
    by_id = {row.order_id: row for row in result.report}
    table = read_table(Path(source))
    columns = [*table.columns, *(c for c in GEOCODED_COLUMNS if c not in table.columns)]
    rows = [dict(r.cells) for r in table.rows]
    for cells in rows:
        row = by_id.get(cells.get("order_id", ""))
        if row is None:
            cells["geocode_status"] = cells.get("geocode_status") or GIVEN
            continue
        sure = row.location is not None and not row.needs_review
        cells["lat"] = _number(row.lat if sure else None, 7)
        cells["lon"] = _number(row.lon if sure else None, 7)
        cells["matched_address"] = row.matched_address if row.location else ""
        cells["geocode_confidence"] = _number(row.confidence, 3)
        cells["geocode_status"] = row.status
        cells["geocode_error_m"] = _number(row.error_m if row.location else None, 1)
    return columns, [[cells.get(c, "") for c in columns] for cells in rows]


def report_rows(result: GeocodeResult) -> list[list[str]]:
    """One row per geocoded address, in the columns of :data:`REPORT_COLUMNS`; the
    candidates are ``address (lat, lon) confidence ±error m`` joined by `` | ``."""
    rows = []
    for r in result.report:
        candidates = " | ".join(
            f"{c.address} ({c.lat:.6f}, {c.lon:.6f}) {c.confidence:g}"
            + (f" ±{c.error_m:.0f} m" if c.error_m is not None else "") for c in r.candidates)
        rows.append([r.order_id, r.query, r.status, r.reason, _number(r.confidence, 3),
                     r.matched_address, _number(r.lat, 7), _number(r.lon, 7), candidates,
                     _number(r.error_m, 1), r.match])
    return rows
