"""Read one table of a scenario (CSV, Excel or Parquet) as rows of text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number (the header is row 1, as in a spreadsheet) and its cells."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    """A table's non-empty rows, every cell as stripped text."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def find_table(folder: Path, base: str, *, required: bool) -> Path | None:
    """The single file ``folder/base.{csv,xlsx,parquet}``, or None if optional and absent."""
    found = [folder / f"{base}{suffix}" for suffix in TABLE_SUFFIXES]
    found = [p for p in found if p.exists()]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InputError(f"{folder}: {names}: give {base} in one format only")
    if not found:
        if required:
            raise InputError(
                f"{folder / (base + '.csv')}: file not found (also tried .xlsx, .parquet)"
            )
        return None
    return found[0]


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path) -> Table:
    """Read ``path`` with every cell as stripped text; empty cells are ``""``.

    Raises
    ------
    InputError
        If the file cannot be parsed or holds no data rows.
    """
    try:
        if path.suffix == ".csv":
            # blank lines count as rows, as in a spreadsheet, so that row numbers stay right
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                                skip_blank_lines=False)
        elif path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=object)
        else:
            frame = pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except Exception as exc:  # pandas raises many kinds for unreadable files
        raise InputError(f"{path}: cannot be read: {exc}") from None
    columns = tuple(str(c).strip().lower() for c in frame.columns)
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise InputError(f"{path}: duplicate columns {dupes}")
    rows = tuple(
        Row(number, cells)
        for number, record in enumerate(frame.itertuples(index=False, name=None), start=2)
        if any((cells := {c: _cell_text(v) for c, v in zip(columns, record, strict=True)}).values())
    )
    if not rows:
        raise InputError(f"{path}: the file is empty (no data rows)")
    return Table(path=path, columns=columns, rows=rows)
