"""Reading tables: spreadsheet exports (encodings, separators), list cells, formula-safe cells."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.io.tables import clean_text, read_table

TINY = Path(__file__).parents[1] / "data" / "tiny"


def _tiny_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    return folder


def _as_german_excel(path: Path) -> bytes:
    """``path`` as German Excel exports it: cp1252, semicolons, decimal commas, CRLF."""
    rows = list(csv.reader(path.open(encoding="utf-8")))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([c.replace(".", ",") if c.replace(".", "").isdigit() else c
                         for c in row])
    return out.getvalue().encode("cp1252")


def test_german_excel_export_loads_like_the_utf8_file(tmp_path):
    """A cp1252, ;-separated file with decimal commas gives the same problem as the original,
    with a warning naming the first cell whose text depended on the encoding."""
    folder = _tiny_copy(tmp_path)
    for table in ("work_orders", "technicians"):
        (folder / f"{table}.csv").write_bytes(_as_german_excel(TINY / f"{table}.csv"))
    data = (folder / "work_orders.csv").read_bytes()
    assert b";St\xe4dtle 1, 9490 Vaduz;47,1391;9,5215;" in data
    loaded = load_scenario(folder)
    assert loaded.problem == load_scenario(TINY).problem
    assert loaded.problem.orders[0].location.lat == 47.1391
    notes = [w for w in loaded.warnings if "not UTF-8" in w]
    assert len(notes) == 1
    assert "work_orders.csv row 2, address='Städtle 1, 9490 Vaduz'" in notes[0]
    assert "read as cp1252" in notes[0]


def test_semicolon_cp1252_file_from_the_issue_is_read(tmp_path):
    """The reported file (cp1252, ';', 'ä' at byte 0xe4) no longer fails to tokenize or decode."""
    path = tmp_path / "technicians.csv"
    path.write_bytes("tech_id;name;skills\r\nT1;Jürgen Bähr;hvac\r\nT2;Anna;gas\r\n"
                     "T3;Zoë;\"hvac;gas\"\r\n".encode("cp1252"))
    table = read_table(path)
    assert (table.encoding, table.separator) == ("cp1252", ";")
    assert [r.cells["name"] for r in table.rows] == ["Jürgen Bähr", "Anna", "Zoë"]
    assert table.rows[2].cells["skills"] == "hvac;gas"


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_every_line_ending_reads_the_same(tmp_path, newline):
    """CR alone (Excel for Mac's "CSV (Macintosh)"), CRLF and LF: the same table, rows
    numbered alike (a CR-only file crashed the separator sniffing)."""
    path = tmp_path / "technicians.csv"
    path.write_bytes(newline.join(["tech_id;name", "T1;Anna", "T2;\"Bähr; Jürgen\""])
                     .encode("utf-8") + newline.encode())
    table = read_table(path)
    assert table.separator == ";"
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, {"tech_id": "T1", "name": "Anna"}), (3, {"tech_id": "T2", "name": "Bähr; Jürgen"})]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks_are_honoured(tmp_path, encoding):
    """UTF-8 with a BOM and UTF-16 (Excel's 'Unicode text', tab-separated) read cleanly."""
    path = tmp_path / "work_orders.csv"
    separator = "\t" if encoding == "utf-16" else ","
    path.write_text(separator.join(["order_id", "customer"]) + "\nWO-1" + separator + "Büchel\n",
                    encoding=encoding)
    table = read_table(path)
    assert table.columns == ("order_id", "customer")
    assert table.rows[0].cells == {"order_id": "WO-1", "customer": "Büchel"}


def test_excel_sep_line_and_blank_rows(tmp_path):
    """An Excel 'sep=;' line sets the separator; a blank line still counts as a row."""
    path = tmp_path / "work_orders.csv"
    path.write_text("sep=;\norder_id;service_min\nWO-1;30\n\nWO-2;45\n", encoding="utf-8")
    table = read_table(path)
    assert table.separator == ";"
    assert [(r.number, r.cells["order_id"]) for r in table.rows] == [(2, "WO-1"), (4, "WO-2")]


def test_a_decimal_comma_counts_only_in_semicolon_files(tmp_path):
    """In a comma-separated file "1,5" is not read as 1.5 (it could be one thousand five...)."""
    folder = _tiny_copy(tmp_path)
    text = (TINY / "work_orders.csv").read_text(encoding="utf-8")
    (folder / "work_orders.csv").write_text(text.replace(",45,", ',"4,5",'), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, service_min='4,5': not a number"):
        load_scenario(folder)


def test_stripping_never_exposes_a_formula(tmp_path):
    """A leading tab before '=' stays, so the cell does not turn into a formula; plain
    surrounding spaces are still removed."""
    assert clean_text("\t=1+1") == "\t=1+1"
    assert clean_text(" \t-2") == " \t-2"
    assert clean_text("  Vaduz \t") == "Vaduz"
    assert clean_text("=SUM(A1)") == "=SUM(A1)"
    folder = _tiny_copy(tmp_path)
    text = (TINY / "work_orders.csv").read_text(encoding="utf-8")
    (folder / "work_orders.csv").write_text(text.replace("Ring twice", "\t=1+1"),
                                            encoding="utf-8")
    assert load_scenario(folder).problem.order("WO-1").notes == "\t=1+1"


def test_parquet_list_cells_are_lists(tmp_path):
    """A Parquet list column gives the skills hvac and gas, not the text "['hvac' 'gas']"."""
    folder = _tiny_copy(tmp_path)
    frame = pd.read_csv(TINY / "technicians.csv", dtype=str, keep_default_na=False)
    frame["skills"] = [["hvac", "gas"], []]
    frame["van_stock"] = [["filter"], ["fuse", " valve "]]
    (folder / "technicians.csv").unlink()
    frame.to_parquet(folder / "technicians.parquet", index=False)
    problem = load_scenario(folder).problem
    assert problem.technician("T1").skills == {"hvac", "gas"}
    assert problem.technician("T2").skills == frozenset()
    assert problem.technician("T2").van_stock == {"fuse", "valve"}


def test_an_excel_workbook_named_csv_says_so(tmp_path):
    """An .xlsx saved under a .csv name gets a message saying what it is, not a decode error."""
    path = tmp_path / "work_orders.csv"
    pd.DataFrame({"order_id": ["WO-1"]}).to_excel(tmp_path / "w.xlsx", index=False)
    path.write_bytes((tmp_path / "w.xlsx").read_bytes())
    with pytest.raises(InputError, match="this is an Excel workbook"):
        read_table(path)


def test_every_row_with_extra_values_is_reported(tmp_path):
    """Two rows with an unquoted separator give two problems, each with its row number."""
    path = tmp_path / "work_orders.csv"
    path.write_text("order_id,address,service_min\nWO-1,Städtle 1, Vaduz,30\nWO-2,Au,30\n"
                    "WO-3,Zoll 2, Schaan,45\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert [p.split(",")[0].rsplit(" ", 2)[-2:] for p in info.value.problems] == [
        ["row", "2"], ["row", "4"]]
    assert "extra values '30'" in info.value.problems[0]


def test_a_trailing_separator_in_the_header_is_ignored(tmp_path):
    """Excel's trailing ';' makes an unnamed empty column, which is dropped silently."""
    path = tmp_path / "work_orders.csv"
    path.write_text("order_id;service_min;\nWO-1;30;\n", encoding="utf-8")
    assert read_table(path).columns == ("order_id", "service_min")


def test_a_quoted_formula_written_by_the_tool_reads_back_as_its_value(tmp_path):
    """safe_cell's protective quote is taken off on reading, so a written table is valid input;
    a quote before ordinary text is kept."""
    from optimizer.outputs import safe_cell

    values = ["+423 230 00 01", "=id", "@home", "'plain", "it's"]
    path = tmp_path / "t.csv"
    path.write_text("a\n" + "\n".join(str(safe_cell(v)) for v in values) + "\n",
                    encoding="utf-8")
    table = read_table(path)
    assert [row.cells["a"] for row in table.rows] == values
