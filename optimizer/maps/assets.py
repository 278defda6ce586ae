"""Leaflet and Leaflet.markercluster, read from installed packages and inlined.

The pages must work from a USB stick in a van with no signal, so nothing is
loaded from a CDN. The files come from the XStatic packages on PyPI
(``xstatic-leaflet``, ``xstatic-leaflet-markercluster``), which ship the
upstream release files unchanged; this repository holds no third-party code.
"""

from __future__ import annotations

import base64
import importlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

_PACKAGES = {
    "leaflet": ("xstatic.pkg.leaflet", "XStatic-Leaflet"),
    "markercluster": ("xstatic.pkg.leaflet_markercluster", "XStatic-Leaflet-MarkerCluster"),
}
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[A-Za-z0-9_.-]+\.png)\1\)")


@dataclass(frozen=True, slots=True)
class Asset:
    """One JavaScript or CSS library, ready to inline."""

    name: str
    version: str
    js: str
    css: str


def _data_dir(key: str) -> Path:
    module_name, dist = _PACKAGES[key]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"the maps need the {dist!r} package for their offline {key} assets: "
            f"pip install {dist.lower()}"
        ) from exc
    return Path(module.BASE_DIR)


def _script_safe(js: str) -> str:
    """Drop source-map comments and make ``js`` unable to end its ``<script>``."""
    js = _SOURCE_MAP.sub("", js)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js.replace("<!--", "<\\!--")


def _inline_images(css: str, base: Path) -> str:
    """Replace ``url(images/x.png)`` with data URIs so no file is fetched."""

    def repl(match: re.Match[str]) -> str:
        data = (base / match.group(2)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    return _CSS_URL.sub(repl, css)


@cache
def leaflet() -> Asset:
    """Leaflet's minified JS and its CSS (images inlined)."""
    base = _data_dir("leaflet")
    css = _inline_images((base / "leaflet.css").read_text(encoding="utf-8"), base)
    js = _script_safe((base / "leaflet.js").read_text(encoding="utf-8"))
    return Asset("leaflet", metadata.version(_PACKAGES["leaflet"][1]), js, css)


@cache
def markercluster() -> Asset:
    """Leaflet.markercluster's minified JS and both of its stylesheets."""
    base = _data_dir("markercluster")
    css = "\n".join(
        (base / name).read_text(encoding="utf-8")
        for name in ("MarkerCluster.css", "MarkerCluster.Default.css")
    )
    js = _script_safe((base / "leaflet.markercluster.js").read_text(encoding="utf-8"))
    return Asset("markercluster", metadata.version(_PACKAGES["markercluster"][1]), js, css)


def inline_tags(assets: list[Asset]) -> str:
    """``<style>`` and ``<script>`` elements holding ``assets``, in order."""
    parts = []
    for asset in assets:
        parts.append(f"<!-- {asset.name} {asset.version} (inlined from PyPI package) -->")
        parts.append(f"<style>\n{asset.css}\n</style>")
        parts.append(f"<script>\n{asset.js}\n</script>")
    return "\n".join(parts)
