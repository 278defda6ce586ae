"""The consoles of ``fsopt`` and its progress lines for logs and pipes."""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.text import Text

# Ids, names, skills, addresses and reasons come from the user's files: both consoles
# print text as it is (no rich markup, no :emoji: codes). Our own colours are added
# with Text objects around the user's text.
console = Console(stderr=True, markup=False, emoji=False)
out = Console(soft_wrap=True, markup=False, emoji=False)

#: Seconds between progress lines when stderr is not a terminal (a log file or a pipe).
PROGRESS_EVERY_S = 5.0


class PlainProgress:
    """Progress as plain lines on stderr, for a log file or a pipe.

    rich's live display is transient or shows nothing until the end when stderr
    is not a terminal, so a long cold run would look dead. Here a new stage is
    printed at once, and while a stage lasts its latest status is printed every
    ``every_s`` seconds (also when nothing reports, such as while roads are
    built), e.g. ``fsopt solve: solving: 240 solutions, best cost 1,234.50 (35 s)``.
    Disabled (``enabled=False``), it prints nothing and starts no thread.
    """

    def __init__(self, label: str, *, enabled: bool = True,
                 every_s: float | None = None) -> None:
        self.label = label
        self.enabled = enabled
        self.every_s = PROGRESS_EVERY_S if every_s is None else every_s
        self._began = self._last_line = time.monotonic()
        self._stage = self._text = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="fsopt-progress", daemon=True)

    def __enter__(self) -> PlainProgress:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()

    def stage(self, stage: str, text: str = "") -> None:
        """Start a new stage and print it now."""
        if self.enabled:
            with self._lock:
                self._stage, self._text = stage, text
                self._print()

    def update(self, text: str) -> None:
        """The latest status of the stage; printed with the next line that is due."""
        if self.enabled:
            with self._lock:
                self._text = text

    def _tick(self) -> None:
        while not self._stop.wait(min(1.0, self.every_s / 4)):
            with self._lock:
                if self._stage and time.monotonic() - self._last_line >= self.every_s:
                    self._print()

    def _print(self) -> None:
        self._last_line = time.monotonic()
        text = f"{self._stage}: {self._text}" if self._text else self._stage
        console.print(Text(f"{self.label}: {text} ({self._last_line - self._began:.0f} s)"),
                      highlight=False, soft_wrap=True)


def plain_progress(label: str, quiet: bool = False) -> PlainProgress:
    """Plain progress lines, on when stderr is not a terminal (and not ``--quiet``)."""
    return PlainProgress(label, enabled=not quiet and not console.is_terminal)


def warn(warning: str) -> None:
    console.print(Text.assemble(("warning:", "yellow"), " ", str(warning)), soft_wrap=True)
