"""Escaping for the three places a user string can land: HTML, a JS string, a URL.

Every string that comes from a scenario (names, customers, addresses, notes,
phone numbers, ids, reasons) passes through one of these before it reaches a
page. Two traps shape the rules:

* Leaflet puts popup contents and layer-control labels into ``innerHTML``, so
  text that ends up there must be HTML-escaped *and then* JS-escaped.
* folium (through branca) renders each element's script and then parses the
  result *again* as a Jinja template. A customer called ``{{ 7*7 }}`` would be
  evaluated on the server. So both escapers also neutralise ``{`` and ``}``.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "{": "\\u007b",
    "}": "\\u007d",
}
_JS_UNSAFE_RE = re.compile("[<>&'{}]")
_PHONE_FORMATTING = re.compile(r"[\s().\-/]")
_PHONE_DIALABLE = re.compile(r"\+?[0-9*#,;]{3,}")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_WEB_LINK = re.compile(r"https?://[^\s]+", re.IGNORECASE)


def h(text: object) -> str:
    """Escape ``text`` for HTML element content and quoted attribute values.

    Parameters
    ----------
    text : object
        Anything; it is converted with ``str()`` first.

    Returns
    -------
    str
        ``text`` with ``& < > " '`` as character references, and ``{ }`` too so
        that a template engine never sees a delimiter.
    """
    return html.escape(str(text), quote=True).translate(_BRACES)


def js_value(value: object) -> str:
    """Serialise ``value`` as a JavaScript literal that is safe inside ``<script>``.

    The result is JSON (ASCII only, so U+2028/U+2029 are escaped too) in which
    every string has ``< > & ' { }`` written as ``\\uXXXX`` escapes: it cannot
    close the script element, open an HTML comment or look like a Jinja
    delimiter. Supports str, int, float, bool, None, lists, tuples and dicts.
    """
    if isinstance(value, str):
        return _JS_UNSAFE_RE.sub(lambda m: _JS_UNSAFE[m.group(0)], json.dumps(value))
    if isinstance(value, dict):
        items = (f"{js_value(str(k))}: {js_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(js_value(v) for v in value) + "]"
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    raise TypeError(f"js_value cannot serialise {type(value).__name__}: {value!r}")


def url_component(text: str) -> str:
    """Percent-encode ``text`` for use inside a URL (nothing is left unencoded)."""
    return quote(text, safe="")


def tel_href(phone: str) -> str | None:
    """Return a ``tel:`` URI for ``phone``, or None if it is not a dialable number.

    Spaces, dots, dashes, slashes and brackets are dropped; what remains must be
    an optional ``+`` and at least three digits (``* # , ;`` allowed for
    extensions). Anything else is shown as text only, never linked.
    """
    compact = _PHONE_FORMATTING.sub("", phone)
    if not _PHONE_DIALABLE.fullmatch(compact):
        return None
    return "tel:" + compact


def safe_filename_part(text: str) -> str:
    """Reduce an id to ``[A-Za-z0-9_.-]`` so it cannot leave the output folder.

    Runs of other characters become ``_``; leading dots are removed so that the
    result is never hidden, ``.`` or ``..``. An empty result becomes ``_``.
    """
    cleaned = _FILENAME_UNSAFE.sub("_", text).lstrip(".")
    return cleaned or "_"


class _AttributionParser(HTMLParser):
    """Collects the safe form of an attribution: text and ``<a href="http(s)://...">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = (dict(attrs).get("href") or "").strip()
        if tag == "a" and not self.in_link and _WEB_LINK.fullmatch(href):
            self.parts.append(f'<a href="{h(href)}">')
            self.in_link = True
        else:
            self.parts.append(h(self.get_starttag_text() or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(h(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.in_link:
            self.parts.append("</a>")
            self.in_link = False
        else:
            self.parts.append(h(f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.parts.append(h(data))

    def handle_comment(self, data: str) -> None:
        self.parts.append(h(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.parts.append(h(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.parts.append(h(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.parts.append(h(f"<![{data}]>"))


def safe_attribution(text: str) -> str:
    """Reduce tile attribution HTML to plain text and web links.

    ``<a href="http://...">`` and ``<a href="https://...">`` (with only their
    ``href`` kept) and their closing tags stay links; every other tag,
    attribute, comment or script is shown as text (HTML-escaped). Character
    references such as ``&copy;`` are kept. Leaflet puts the attribution into
    ``innerHTML``, so this is what stands between scenario.toml and the page.
    """
    parser = _AttributionParser()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # an unfinished tag at the end, such as ``<img src=x``
        parser.parts.append(h(parser.rawdata))
    if parser.in_link:
        parser.parts.append("</a>")
    return "".join(parser.parts)
