"""Local OpenStreetMap extracts, opened as an OSM XML byte stream.

Accepted: ``.osm`` (XML), ``.osm.bz2``, ``.osm.gz`` and ``.osm.pbf``, the format
Geofabrik and most extract services publish. A PBF file is converted to a
temporary XML file with pyosmium first. The road network (:mod:`.network`)
and the gazetteer (:mod:`.address_index`) both read extracts through here.
"""

from __future__ import annotations

import bz2
import gzip
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

#: File name endings :func:`open_osm_xml` reads.
SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf")


@contextmanager
def open_osm_xml(path: Path) -> Iterator[IO[bytes]]:
    """The extract at ``path`` as a binary OSM XML stream.

    Raises
    ------
    OSError
        The file is missing, or is not a readable PBF file.
    """
    name = path.name.lower()
    if name.endswith(".pbf"):
        with tempfile.TemporaryDirectory(prefix="fsopt-pbf-") as tmp:
            xml = Path(tmp) / "extract.osm"
            pbf_to_xml(path, xml)
            with xml.open("rb") as stream:
                yield stream
        return
    if name.endswith(".bz2"):
        opener = bz2.open
    elif name.endswith(".gz"):
        opener = gzip.open
    else:
        opener = open
    with opener(path, "rb") as stream:
        yield stream


def pbf_to_xml(src: Path, dst: Path) -> None:
    """Write every node, way and relation of the PBF file ``src`` to ``dst`` as OSM XML."""
    import osmium  # a compiled reader, only needed for PBF

    if not src.is_file():
        raise FileNotFoundError(f"no such file: {src}")
    try:
        writer = osmium.SimpleWriter(str(dst))
        try:
            for obj in osmium.FileProcessor(str(src)):
                writer.add(obj)
        finally:
            writer.close()
    except RuntimeError as exc:  # what libosmium reports for a damaged or foreign file
        raise OSError(f"not a readable OSM PBF file ({exc})") from exc
