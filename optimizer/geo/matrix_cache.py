"""On-disk cache of packed road costs, one square matrix per graph, grown as points arrive.

A what-if run with the same points reads the matrix back; a run with a few new
orders computes only the rows and columns of the new points.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: The cache keeps at most this many points per graph (older ones are dropped first).
MAX_CACHED_POINTS = 4000

Costs = Callable[[Sequence[Any], Sequence[Any]], np.ndarray]


def atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    """Write an ``.npz`` file so that readers never see a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    with os.fdopen(fd, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def _load(path: Path | None) -> tuple[np.ndarray, np.ndarray]:
    empty = np.zeros((0, 2)), np.zeros((0, 0), np.int64)
    if path is None or not path.is_file():
        return empty
    try:
        with np.load(path) as data:
            coords, costs = data["coords"], data["costs"]
    except (OSError, KeyError, ValueError):
        return empty
    if coords.ndim == 2 and coords.shape[0] == costs.shape[0] == costs.shape[1]:
        return coords, costs
    return empty


def cached_packed_costs(
    snaps: Sequence[Any],
    costs: Costs,
    *,
    path: Path | None,
    resnap: Callable[[list[tuple[float, float]]], list[Any]] | None = None,
) -> tuple[np.ndarray, int]:
    """Square cost matrix over ``snaps``, reusing what ``path`` already knows.

    Parameters
    ----------
    snaps
        Objects with a ``location`` (``lat``/``lon``); points are identified by their
        coordinates, so two addresses at one spot share a row (cost 0 between them).
    costs
        ``costs(sources, targets) -> int64 array``: computes a missing block.
    path
        The cache file; ``None`` disables caching.
    resnap
        Turns cached coordinates back into snaps; without it, cached points that are
        not in ``snaps`` are dropped from the cache when new points arrive.

    Returns
    -------
    tuple
        ``(matrix, computed)``: the matrix in the order of ``snaps`` and how many
        distinct points had to be computed.
    """
    req = [(float(s.location.lat), float(s.location.lon)) for s in snaps]
    uniq: dict[tuple[float, float], Any] = {}
    for c, s in zip(req, snaps, strict=True):
        uniq.setdefault(c, s)
    coords, store = _load(path)
    known = {(float(a), float(b)): i for i, (a, b) in enumerate(coords)}
    new = [c for c in uniq if c not in known]
    if new:
        keep = [c for c in known if c in uniq]
        if resnap is not None:
            spare = [c for c in known if c not in uniq]
            room = max(0, MAX_CACHED_POINTS - len(keep) - len(new))
            spare = spare[len(spare) - room:] if room < len(spare) else spare
            spare_snaps = resnap(spare) if spare else []
            keep += spare
            old = [uniq[c] for c in keep[: len(keep) - len(spare)]] + list(spare_snaps)
        else:
            old = [uniq[c] for c in keep]
        fresh = [uniq[c] for c in new]
        m_old, m_all = len(old), len(old) + len(fresh)
        merged = np.empty((m_all, m_all), np.int64)
        idx = np.array([known[c] for c in keep], np.int64)
        merged[:m_old, :m_old] = store[np.ix_(idx, idx)]
        merged[m_old:, :] = costs(fresh, old + fresh)
        merged[:m_old, m_old:] = costs(old, fresh)
        np.fill_diagonal(merged, 0)
        store = merged
        known = {c: i for i, c in enumerate(keep + new)}
        if path is not None:
            atomic_savez(path, coords=np.array(keep + new, float).reshape(-1, 2), costs=store)
    idx = np.array([known[c] for c in req], np.int64)
    return store[np.ix_(idx, idx)], len(new)
