"""A real HTTP server on 127.0.0.1 that answers like Nominatim's ``/search``, scripted per query.

Point geopy's real ``Nominatim`` class at it with ``domain=server.domain`` and
``scheme="http"``. Each query has a list of steps, used one per request; the
last step repeats. A query with no script gets ``[]`` (not found).

    with FakeNominatim() as server:
        server.script("Städtle 5, Vaduz", rate_limited(), results(place(47.14, 9.52, "...")))
        ...
        assert server.count("Städtle 5, Vaduz") == 2
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Step:
    """One scripted answer: an HTTP status, a JSON body, and a delay before answering."""

    status: int = 200
    body: Any = field(default_factory=list)
    delay_s: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Request:
    """What the server saw: the ``q`` parameter, every parameter, and the headers."""

    query: str
    params: dict[str, str]
    headers: dict[str, str]


def place(
    lat: float,
    lon: float,
    display_name: str,
    *,
    place_rank: int = 30,
    importance: float = 0.3,
    category: str = "building",
    kind: str = "house",
) -> dict[str, Any]:
    """One result in Nominatim's jsonv2 layout (coordinates as strings, as Nominatim sends)."""
    osm_id = abs(hash((lat, lon, display_name))) % 10**9
    return {
        "place_id": osm_id,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
        "osm_type": "way",
        "osm_id": osm_id,
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "category": category,
        "type": kind,
        "place_rank": place_rank,
        "importance": importance,
        "addresstype": "building" if place_rank >= 30 else "road",
        "name": "",
        "display_name": display_name,
        "boundingbox": [f"{lat - 1e-4:.7f}", f"{lat + 1e-4:.7f}",
                        f"{lon - 1e-4:.7f}", f"{lon + 1e-4:.7f}"],
    }


def results(*places: dict[str, Any]) -> Step:
    """Answer 200 with these places (none: ``[]``, Nominatim's "not found")."""
    return Step(body=list(places))


def rate_limited(retry_after_s: int = 0) -> Step:
    """Answer 429 Too Many Requests with a ``Retry-After`` header."""
    return Step(status=429, body={"error": "rate limited"},
                headers=(("Retry-After", str(retry_after_s)),))


def error(status: int) -> Step:
    """Answer with an HTTP error status (403, 500, ...)."""
    return Step(status=status, body={"error": f"status {status}"})


def slow(delay_s: float, then: Step | None = None) -> Step:
    """Wait ``delay_s`` before answering (to force a client timeout)."""
    base = then or results()
    return Step(base.status, base.body, delay_s, base.headers)


class FakeNominatim:
    """The server. Start it with ``with FakeNominatim() as server:`` (a random free port)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._scripts: dict[str, list[Step]] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                step = outer._next(parts.path, params, dict(self.headers.items()))
                if step.delay_s:
                    time.sleep(step.delay_s)
                payload = json.dumps(step.body).encode()
                try:
                    self.send_response(step.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in step.headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def domain(self) -> str:
        """``127.0.0.1:PORT``, for ``Nominatim(domain=..., scheme="http")``."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def script(self, query: str, *steps: Step) -> FakeNominatim:
        """Answer ``query`` with ``steps``, one per request; the last one repeats."""
        with self._lock:
            self._scripts[query] = list(steps)
        return self

    def count(self, query: str | None = None) -> int:
        """Requests received (for one query, or in all)."""
        with self._lock:
            return sum(1 for r in self.requests if query is None or r.query == query)

    def _next(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Step:
        query = params.get("q", "")
        with self._lock:
            self.requests.append(Request(query, params, headers))
            if path.rstrip("/") != "/search":
                return error(404)
            steps = self._scripts.get(query)
            if not steps:
                return results()
            return steps.pop(0) if len(steps) > 1 else steps[0]

    def start(self) -> FakeNominatim:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeNominatim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
