"""Debian's chromium driven by Playwright, for the page tests: pages are opened from
file:// with every other request aborted, as on a phone without signal.

Aborted tile requests show up in the console as "Failed to load resource"; only
those, for URLs we aborted ourselves, are not counted as errors. The fixtures
``browser`` and ``open_page`` are made available to every test here by conftest.py.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

@dataclass
class Loaded:
    """A page opened offline, with what it reported."""

    page: object
    aborted: set[str] = field(default_factory=set)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def js_errors(self) -> list[str]:
        return self.console_errors + self.page_errors


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(path: Path, viewport: dict[str, int] = DESKTOP) -> Loaded:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        loaded = Loaded(page)

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                loaded.aborted.add(r.request.url)
                r.abort()

        def console(msg):
            if msg.type != "error":
                return
            aborted_tile = (
                msg.text.startswith("Failed to load resource")
                and msg.location.get("url") in loaded.aborted
            )
            if not aborted_tile:
                loaded.console_errors.append(f"{msg.text} @ {msg.location}")

        def dialog(d):
            loaded.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda exc: loaded.page_errors.append(str(exc)))
        page.on("dialog", dialog)
        page.goto(path.as_uri())
        if path.name not in ("index.html", "timeline.html"):
            page.wait_for_selector(".fso-map[data-ready='1']", state="attached", timeout=10_000)
        return loaded

    yield _open
    for context in contexts:
        context.close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])
