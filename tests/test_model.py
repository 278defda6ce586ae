"""The vocabularies of the domain model: reason codes, change kinds, travel sources."""

from __future__ import annotations

import re
from pathlib import Path

from optimizer.geo.matrix import ROAD_SOURCES
from optimizer.model import (
    LOCATION_ISSUES,
    ChangeKind,
    MatrixSource,
    ReasonCode,
    TravelSource,
    Unassigned,
)

DOCS = Path(__file__).parents[1] / "docs"


def test_reason_codes_are_their_own_names_with_a_label_each():
    """A code's value is its name (what schedule.json and unassigned.csv hold), every code
    has a short label, and labels are distinct (they head the groups of reports and maps)."""
    assert all(code.value == code.name for code in ReasonCode)
    labels = [code.label for code in ReasonCode]
    assert all(labels) and len(set(labels)) == len(labels)


def test_every_reason_code_is_documented_for_dispatchers():
    """docs/schedule-format.md has one table row per code (code, meaning, what to do), and
    names no code that does not exist."""
    text = (DOCS / "schedule-format.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([A-Z_]+)` \|([^|]+)\|([^|]+)\|$", text, re.MULTILINE)
    assert [code for code, _, _ in rows] == [code.value for code in ReasonCode]
    assert all(meaning.strip() and action.strip() for _, meaning, action in rows)


def test_unassigned_without_a_code_is_unknown():
    """An Unassigned made without a code (older code paths) says UNKNOWN, not nothing."""
    assert Unassigned("A", "why").code is ReasonCode.UNKNOWN


def test_location_issue_texts_are_distinct():
    """Each location issue maps back to one code, so no two may share a text."""
    assert len(set(LOCATION_ISSUES.values())) == len(LOCATION_ISSUES)


def test_change_kinds_keep_the_words_of_the_change_csvs():
    """The values are the words changes.csv has always written; compare uses the same ones."""
    assert [k.value for k in ChangeKind] == [
        "kept", "moved", "retimed", "newly assigned", "newly unassigned", "still unassigned",
        "new, assigned", "new, unassigned", "completed", "in progress", "cancelled"]


def test_travel_sources_and_matrix_sources():
    """Three travel sources route on roads (and give an 'osm' matrix); haversine does not."""
    assert [s.value for s in TravelSource] == ["haversine", "osm_file", "place", "bbox"]
    assert ROAD_SOURCES == (TravelSource.OSM_FILE, TravelSource.PLACE, TravelSource.BBOX)
    assert not TravelSource.HAVERSINE.roads
    assert [s.value for s in MatrixSource] == ["haversine", "osm"]
