"""Read one table of a scenario (CSV, Excel or Parquet) as rows of text.

CSV files come from many spreadsheets: UTF-8 with or without a byte-order mark
is tried first, then UTF-16 (with its mark), then the encoding is detected
(charset-normalizer; Windows-1252 is preferred among the Western single-byte
encodings it finds equally likely, as Excel in Western Europe writes it). The
separator (comma, semicolon or tab) is taken from the header row. Cells are
stripped of surrounding white space, except where that would make the text
start like a spreadsheet formula (``"\\t=1+1"`` stays as it is).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
#: Separators a CSV file may use, by the name messages give them.
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
#: Characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNICODE = ("utf-8", "utf-8-sig", "utf-16")
_LATIN_ALPHABETS = ("Basic Latin", "Latin", "Control character", "General Punctuation",
                    "Currency Symbols")
_COMMON_SIGNS = "\u00a0–—‘’‚“”„…€°§«»·×÷©®™•¢£¥±µ¶¼½¾¿¡"
_SEP_LINE = re.compile(r"^sep=(.)\s*$")
#: A line break: CRLF, LF, or CR alone (Excel for Mac's "CSV (Macintosh)").
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SAVE_AS_UTF8 = ("save it as UTF-8 text (in Excel: File > Save As > "
                 "'CSV UTF-8 (comma delimited)')")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number (the header is row 1, as in a spreadsheet) and its cells."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    """A table's non-empty rows, every cell as text (see :func:`clean_text`)."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    #: How a CSV file was decoded (a Python codec name) and the separator it uses.
    encoding: str = "utf-8"
    separator: str = ","


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


def clean_text(text: str) -> str:
    """``text`` without surrounding white space, unless stripping would expose a formula.

    ``" Vaduz "`` becomes ``"Vaduz"``, but ``"\\t=1+1"`` keeps its tab: a leading
    ``=``, ``+``, ``-`` or ``@`` must not appear by removing what came before it.
    The quote that the tool's own CSV writers put before such a cell
    (:func:`optimizer.outputs.safe_cell`) is taken off again, so that a written
    table read back as input (``geocoded_work_orders.csv``) gives the same values.
    """
    stripped = text.strip()
    if stripped.startswith("'") and stripped[1:].startswith(FORMULA_START):
        return stripped[1:]
    if stripped.startswith(FORMULA_START) and not text.startswith(stripped[0]):
        return text.rstrip()
    return stripped


def _cell_text(value: object) -> str:
    if isinstance(value, list | tuple | np.ndarray):
        # a list column of a Parquet file (or an object cell): the same as a ;-list
        return ";".join(t for t in (_cell_text(v) for v in value) if t)
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


def read_table(path: Path) -> Table:
    """Read ``path`` with every cell as text; empty cells are ``""``.

    Raises
    ------
    InputError
        If the file cannot be parsed or holds no data rows; for a CSV file, every
        row with more values than the header has columns is named.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv" or suffix not in TABLE_SUFFIXES:
        return _read_csv(path)
    try:
        frame = pd.read_excel(path, dtype=object) if suffix == ".xlsx" \
            else pd.read_parquet(path)
    except Exception as exc:  # pandas raises many kinds for unreadable files
        raise InputError(f"{path}: cannot be read: {exc}") from None
    columns = tuple(str(c).strip().lower() for c in frame.columns)
    records = [
        (number, [_cell_text(v) for v in record])
        for number, record in enumerate(frame.itertuples(index=False, name=None), start=2)
    ]
    return _table(path, columns, records)


def _table(path: Path, columns: tuple[str, ...], records, **how) -> Table:
    if len(set(columns)) != len(columns):
        dupes = ", ".join(repr(c) for c in sorted({c for c in columns if columns.count(c) > 1}))
        raise InputError(f"{path}: duplicate columns {dupes}")
    if not columns:
        raise InputError(f"{path}: the file is empty")
    rows = tuple(
        Row(number, dict(zip(columns, cells, strict=True)))
        for number, cells in records if any(cells)
    )
    if not rows:
        raise InputError(f"{path}: the file is empty (no data rows)")
    return Table(path=path, columns=columns, rows=rows, **how)


# -- CSV -------------------------------------------------------------------------------------


def _read_csv(path: Path) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if raw.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: this is an Excel workbook, not CSV text; rename it to "
                         f"{path.stem}.xlsx or save it from Excel as CSV")
    text, encoding = _decode(path, raw)
    lines = text.splitlines(keepends=True)
    separator = None
    if lines and (hint := _SEP_LINE.match(lines[0])):  # Excel's "sep=;" first line
        separator = hint[1]
        text = "".join(lines[1:])
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    separator = separator or _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator,
                        skipinitialspace=True)
    problems: list[str] = []
    try:
        header = [clean_text(c).lower() for c in next(reader)]
        records: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(reader, start=2):
            cells = [clean_text(c) for c in cells]
            extra = cells[len(header):]
            if any(extra):
                shown = ", ".join(repr(c) for c in extra if c)
                problems.append(
                    f"{path} row {number}, after {header[-1]}: extra values {shown}: the row "
                    f"has {len(cells)} values but the header has {len(header)} columns "
                    f"({_separator_note(separator)})")
            records.append((number, (cells + [""] * len(header))[:len(header)]))
    except csv.Error as exc:
        raise InputError(f"{path} row {reader.line_num}: not readable as CSV ({exc})") from None
    # a trailing separator in the header gives an unnamed, empty column: ignore it
    keep = [k for k, name in enumerate(header)
            if name or any(cells[k] for _, cells in records)]
    for k in range(len(header)):
        if not header[k] and k in keep:
            first = next(n for n, cells in records if cells[k])
            problems.append(f"{path} row {first}, column {k + 1}: a value under a column "
                            "with no name in the header (row 1)")
    if problems:
        raise InputError(problems)
    columns = tuple(header[k] for k in keep)
    records = [(n, [cells[k] for k in keep]) for n, cells in records]
    return _table(path, columns, records, encoding=encoding, separator=separator)


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """The text of ``raw`` and the codec that decoded it (see the module docstring)."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{_where(path, raw, exc.start)}: the file starts with a {codec} "
                    f"byte-order mark but byte 0x{raw[exc.start]:02x} is not {codec}; "
                    f"{_SAVE_AS_UTF8}") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    codec = _detect(raw)
    if codec is None:
        raise InputError(
            f"{_where(path, raw, first_bad)}: byte 0x{raw[first_bad]:02x} is not UTF-8 "
            f"and the file's encoding could not be detected; {_SAVE_AS_UTF8}")
    return raw.decode(codec), codec


def _detect(raw: bytes) -> str | None:
    """A codec for ``raw`` (not UTF-8): Windows-1252 for Latin text, else charset-normalizer's.

    On a few lines of names, charset-normalizer often ranks Baltic or Central European
    code pages first for German or French text (ä becomes õ); where its best guess is in
    a Latin alphabet and every byte decodes to a letter or common sign in Windows-1252,
    that is the encoding Excel wrote.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        return None
    if all(a.startswith(_LATIN_ALPHABETS) for a in best.alphabets):
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return best.encoding
        if all(c.isascii() or c.isalpha() or c in _COMMON_SIGNS for c in text):
            return "cp1252"
    return best.encoding


def _where(path: Path, raw: bytes, offset: int) -> str:
    """``path row N, column`` of the byte at ``offset`` (for an undecodable byte)."""
    newline = b"\n" if b"\n" in raw else b"\r"  # CR alone ends a line in old Mac files
    row = raw.count(newline, 0, offset) + 1
    header = raw.split(newline, 1)[0].decode("latin-1").rstrip("\r")
    separator = _separator(header)
    names = next(csv.reader([header], delimiter=separator), [])
    start = raw.rfind(newline, 0, offset) + 1
    line = raw[start:offset].decode("latin-1").rstrip("\r")
    before = next(csv.reader([line], delimiter=separator), [""])
    column = len(before) - 1
    name = clean_text(names[column]).lower() if 0 <= column < len(names) else ""
    return f"{path} row {row}" + (f", {name}" if name and row > 1 else "")


def _separator(text: str) -> str:
    """The separator that splits the header row into the most columns (comma on a tie)."""
    header = _LINE_BREAK.split(text, 1)[0]  # CR alone ends a line too (old Mac files)
    counts = {sep: len(next(csv.reader([header], delimiter=sep), [])) for sep in SEPARATORS}
    return max(SEPARATORS, key=lambda sep: counts[sep])  # dicts keep order: comma first


def _separator_note(separator: str) -> str:
    name = SEPARATORS.get(separator, repr(separator))
    return f"values are separated by {name}s; a value that contains a {name} must be in " \
           "double quotes"


def encoding_note(table: Table) -> str | None:
    """A warning when a CSV file was not UTF-8: the codec used and the first text it changed."""
    if table.encoding in _UNICODE:
        return None
    for row in table.rows:
        for column, value in row.cells.items():
            if not value.isascii():
                return (f"{table.path} row {row.number}, {column}={value!r}: the file is not "
                        f"UTF-8; it was read as {table.encoding}. If this text looks wrong, "
                        f"{_SAVE_AS_UTF8}")
    return None
