"""Contraction hierarchies: exact many-to-many shortest paths on a directed road graph.

A one-off preparation (:func:`build_hierarchy`) ranks the nodes and adds shortcut edges
so that every shortest path climbs in rank and then descends. A many-to-many query
(:func:`many_to_many`) then runs one small upward search per target and one per source
and meets them in per-node buckets (Knopp et al., 2007). On a 50k-node graph a
1000 x 1000 query settles a few hundred nodes per point instead of the whole graph.

Weights are non-negative ``int64``; sums stay exact. Unreachable pairs come back as
:data:`UNREACHABLE`. The kernels are compiled with numba (cached on disk).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

#: Returned by :func:`many_to_many` where no path exists.
UNREACHABLE = np.iinfo(np.int64).max

#: Witness searches settle at most this many nodes (more: fewer shortcuts, slower build).
WITNESS_SETTLE_LIMIT = 300


@dataclass(frozen=True, slots=True, eq=False)
class Hierarchy:
    """A contracted graph: node ranks and the upward and downward search graphs.

    ``up_*`` is a CSR graph of edges ``u -> x`` with ``rank[x] > rank[u]`` (forward
    searches). ``down_*`` is a CSR graph holding, at ``y``, every edge ``z -> y`` with
    ``rank[z] > rank[y]`` (backward searches walk it from ``y`` to ``z``).
    """

    rank: np.ndarray
    up_indptr: np.ndarray
    up_indices: np.ndarray
    up_weight: np.ndarray
    down_indptr: np.ndarray
    down_indices: np.ndarray
    down_weight: np.ndarray
    shortcuts: int

    @property
    def node_count(self) -> int:
        return int(self.rank.shape[0])


# --------------------------------------------------------------------------- heap
@nb.njit(cache=True, nogil=True)
def _push(hk, hv, size, key, val):  # pragma: no cover - compiled
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = val
    return size + 1


@nb.njit(cache=True, nogil=True)
def _pop(hk, hv, size):  # pragma: no cover - compiled
    size -= 1
    if size > 0:
        key = hk[size]
        val = hv[size]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= size:
                break
            if c + 1 < size and hk[c + 1] < hk[c]:
                c += 1
            if hk[c] >= key:
                break
            hk[i] = hk[c]
            hv[i] = hv[c]
            i = c
        hk[i] = key
        hv[i] = val
    return size


# --------------------------------------------------------------------------- build
@nb.njit(cache=True, nogil=True)
def _grow(arr, cap):  # pragma: no cover - compiled
    out = np.empty(cap, arr.dtype)
    out[: arr.shape[0]] = arr
    return out


@nb.njit(cache=True, nogil=True)
def _contract_all(n, eu, ev, ew, settle_limit):  # pragma: no cover - compiled
    m = eu.shape[0]
    cap = max(16, 2 * m)
    e_u = _grow(eu, cap)
    e_v = _grow(ev, cap)
    e_w = _grow(ew, cap)
    nxt_out = np.full(cap, -1, np.int64)
    nxt_in = np.full(cap, -1, np.int64)
    head_out = np.full(n, -1, np.int64)
    head_in = np.full(n, -1, np.int64)
    for e in range(m):
        nxt_out[e] = head_out[e_u[e]]
        head_out[e_u[e]] = e
        nxt_in[e] = head_in[e_v[e]]
        head_in[e_v[e]] = e
    contracted = np.zeros(n, np.bool_)
    deleted_nb = np.zeros(n, np.int64)
    rank = np.full(n, -1, np.int64)
    # witness-search scratch
    dist = np.full(n, UNREACHABLE, np.int64)
    touched = np.empty(n, np.int64)
    whk = np.empty(16, np.int64)
    whv = np.empty(16, np.int64)
    # candidate shortcuts of one contraction
    sc_u = np.empty(16, np.int64)
    sc_v = np.empty(16, np.int64)
    sc_w = np.empty(16, np.int64)

    def_nodes = np.arange(n)
    prio = np.zeros(n, np.int64)
    shortcuts_total = 0
    edges = m

    # main heap over nodes (key = priority * n + node for determinism)
    phk = np.empty(n + 1, np.int64)
    phv = np.empty(n + 1, np.int64)
    psize = 0
    order = 0
    for phase in range(2):
        if phase == 1:
            for v in range(n):
                psize = _push(phk, phv, psize, prio[v], v)
        while True:
            if phase == 0:
                if order >= n:
                    break
                v = def_nodes[order]
                order += 1
                simulate = True
            else:
                if psize == 0:
                    break
                v = phv[0]
                psize = _pop(phk, phv, psize)
                simulate = False
            # ---- contract (or simulate) v
            n_sc = 0
            removed = 0
            e_in = head_in[v]
            while e_in != -1:
                u = e_u[e_in]
                w1 = e_w[e_in]
                e_in_next = nxt_in[e_in]
                if contracted[u] or u == v:
                    e_in = e_in_next
                    continue
                removed += 1
                # limit of the witness search
                maxw = -1
                e_o = head_out[v]
                while e_o != -1:
                    x = e_v[e_o]
                    if not contracted[x] and x != u and e_w[e_o] > maxw:
                        maxw = e_w[e_o]
                    e_o = nxt_out[e_o]
                if maxw < 0:
                    e_in = e_in_next
                    continue
                limit = w1 + maxw
                # witness Dijkstra from u avoiding v
                nt = 0
                dist[u] = 0
                touched[nt] = u
                nt += 1
                hs = _push(whk, whv, 0, 0, u)
                settled = 0
                while hs > 0:
                    d = whk[0]
                    y = whv[0]
                    hs = _pop(whk, whv, hs)
                    if d > dist[y]:
                        continue
                    if d > limit or settled >= settle_limit:
                        break
                    settled += 1
                    e2 = head_out[y]
                    while e2 != -1:
                        z = e_v[e2]
                        if not contracted[z] and z != v:
                            nd = d + e_w[e2]
                            if nd < dist[z]:
                                if dist[z] == UNREACHABLE:
                                    touched[nt] = z
                                    nt += 1
                                dist[z] = nd
                                if hs + 1 >= whk.shape[0]:
                                    whk = _grow(whk, 2 * whk.shape[0])
                                    whv = _grow(whv, 2 * whv.shape[0])
                                hs = _push(whk, whv, hs, nd, z)
                        e2 = nxt_out[e2]
                # shortcuts where no witness is at least as short
                e_o = head_out[v]
                while e_o != -1:
                    x = e_v[e_o]
                    if not contracted[x] and x != u:
                        via = w1 + e_w[e_o]
                        if dist[x] > via:
                            if n_sc >= sc_u.shape[0]:
                                sc_u = _grow(sc_u, 2 * sc_u.shape[0])
                                sc_v = _grow(sc_v, 2 * sc_v.shape[0])
                                sc_w = _grow(sc_w, 2 * sc_w.shape[0])
                            sc_u[n_sc] = u
                            sc_v[n_sc] = x
                            sc_w[n_sc] = via
                            n_sc += 1
                    e_o = nxt_out[e_o]
                for k in range(nt):
                    dist[touched[k]] = UNREACHABLE
                e_in = e_in_next
            e_o = head_out[v]
            while e_o != -1:
                if not contracted[e_v[e_o]] and e_v[e_o] != v:
                    removed += 1
                e_o = nxt_out[e_o]
            new_prio = 2 * n_sc - removed + deleted_nb[v]
            if simulate:
                prio[v] = new_prio
                continue
            if psize > 0 and new_prio > phk[0]:
                prio[v] = new_prio
                psize = _push(phk, phv, psize, new_prio, v)
                continue
            # really contract: add or shorten shortcut edges
            for k in range(n_sc):
                a = sc_u[k]
                b = sc_v[k]
                found = -1
                e2 = head_out[a]
                while e2 != -1:
                    if e_v[e2] == b:
                        found = e2
                        break
                    e2 = nxt_out[e2]
                if found != -1:
                    if sc_w[k] < e_w[found]:
                        e_w[found] = sc_w[k]
                    continue
                if edges >= e_u.shape[0]:
                    cap = 2 * e_u.shape[0]
                    e_u = _grow(e_u, cap)
                    e_v = _grow(e_v, cap)
                    e_w = _grow(e_w, cap)
                    nxt_out = _grow(nxt_out, cap)
                    nxt_in = _grow(nxt_in, cap)
                e_u[edges] = a
                e_v[edges] = b
                e_w[edges] = sc_w[k]
                nxt_out[edges] = head_out[a]
                head_out[a] = edges
                nxt_in[edges] = head_in[b]
                head_in[b] = edges
                edges += 1
                shortcuts_total += 1
            contracted[v] = True
            rank[v] = order - n
            order += 1
            e2 = head_out[v]
            while e2 != -1:
                deleted_nb[e_v[e2]] += 1
                e2 = nxt_out[e2]
            e2 = head_in[v]
            while e2 != -1:
                deleted_nb[e_u[e2]] += 1
                e2 = nxt_in[e2]
    return rank, e_u[:edges], e_v[:edges], e_w[:edges], shortcuts_total


def _csr(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray):
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int64), w[order].astype(np.int64)


def build_hierarchy(
    node_count: int,
    tail: np.ndarray,
    head: np.ndarray,
    weight: np.ndarray,
    *,
    settle_limit: int = WITNESS_SETTLE_LIMIT,
) -> Hierarchy:
    """Contract a directed graph given as edge arrays.

    Parameters
    ----------
    node_count
        Number of nodes; nodes are ``0 .. node_count - 1``.
    tail, head, weight
        One entry per directed edge ``tail -> head``; ``weight`` is a non-negative
        integer. Self-loops are dropped and parallel edges keep their minimum.
    settle_limit
        Nodes a witness search may settle before it gives up (and adds a shortcut).

    Returns
    -------
    Hierarchy
        Ranks plus upward/downward CSR graphs for :func:`many_to_many`.
    """
    tail = np.asarray(tail, np.int64)
    head = np.asarray(head, np.int64)
    weight = np.asarray(weight, np.int64)
    if weight.size and weight.min() < 0:
        raise ValueError("build_hierarchy: weights must be >= 0")
    keep = tail != head
    tail, head, weight = tail[keep], head[keep], weight[keep]
    # parallel edges: keep the lightest
    order = np.lexsort((weight, head, tail))
    tail, head, weight = tail[order], head[order], weight[order]
    first = np.ones(tail.shape[0], bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, weight = tail[first], head[first], weight[first]
    rank, eu, ev, ew, shortcuts = _contract_all(
        np.int64(node_count), tail, head, weight, np.int64(settle_limit)
    )
    up = rank[ev] > rank[eu]
    up_ptr, up_idx, up_w = _csr(node_count, eu[up], ev[up], ew[up])
    down = ~up
    dn_ptr, dn_idx, dn_w = _csr(node_count, ev[down], eu[down], ew[down])
    return Hierarchy(
        rank=rank,
        up_indptr=up_ptr,
        up_indices=up_idx,
        up_weight=up_w,
        down_indptr=dn_ptr,
        down_indices=dn_idx,
        down_weight=dn_w,
        shortcuts=int(shortcuts),
    )


# --------------------------------------------------------------------------- query
@nb.njit(cache=True, nogil=True)
def _upward(indptr, indices, weight, s_ptr, s_node, s_off, i, dist, touched, hk, hv):
    # pragma: no cover - compiled
    """Multi-start Dijkstra in an upward graph; returns how many nodes were touched."""
    nt = 0
    hs = 0
    for k in range(s_ptr[i], s_ptr[i + 1]):
        a = s_node[k]
        if dist[a] == UNREACHABLE:
            touched[nt] = a
            nt += 1
        if s_off[k] < dist[a]:
            dist[a] = s_off[k]
            hs = _push(hk, hv, hs, s_off[k], a)
    while hs > 0:
        d = hk[0]
        y = hv[0]
        hs = _pop(hk, hv, hs)
        if d > dist[y]:
            continue
        for e in range(indptr[y], indptr[y + 1]):
            z = indices[e]
            nd = d + weight[e]
            if nd < dist[z]:
                if dist[z] == UNREACHABLE:
                    touched[nt] = z
                    nt += 1
                dist[z] = nd
                hs = _push(hk, hv, hs, nd, z)
    return nt


@nb.njit(cache=True, nogil=True)
def _many_to_many(h_up_ptr, h_up_idx, h_up_w, h_dn_ptr, h_dn_idx, h_dn_w,
                  s_ptr, s_node, s_off, t_ptr, t_node, t_off):  # pragma: no cover
    n = h_up_ptr.shape[0] - 1
    n_src = s_ptr.shape[0] - 1
    n_tgt = t_ptr.shape[0] - 1
    m_up = h_up_idx.shape[0]
    m_dn = h_dn_idx.shape[0]
    dist = np.full(n, UNREACHABLE, np.int64)
    touched = np.empty(n, np.int64)
    hk = np.empty(max(m_up, m_dn) + s_node.shape[0] + t_node.shape[0] + 1, np.int64)
    hv = np.empty(hk.shape[0], np.int64)
    # backward searches fill buckets
    b_node = np.empty(16, np.int64)
    b_tgt = np.empty(16, np.int64)
    b_dist = np.empty(16, np.int64)
    nb_ = 0
    for j in range(n_tgt):
        nt = _upward(h_dn_ptr, h_dn_idx, h_dn_w, t_ptr, t_node, t_off, j, dist, touched, hk, hv)
        if nb_ + nt > b_node.shape[0]:
            cap = max(2 * b_node.shape[0], nb_ + nt)
            b_node = _grow(b_node, cap)
            b_tgt = _grow(b_tgt, cap)
            b_dist = _grow(b_dist, cap)
        for k in range(nt):
            y = touched[k]
            b_node[nb_] = y
            b_tgt[nb_] = j
            b_dist[nb_] = dist[y]
            nb_ += 1
            dist[y] = UNREACHABLE
    # buckets as CSR by node
    b_ptr = np.zeros(n + 1, np.int64)
    for k in range(nb_):
        b_ptr[b_node[k] + 1] += 1
    for y in range(n):
        b_ptr[y + 1] += b_ptr[y]
    fill = b_ptr[:-1].copy()
    bt = np.empty(nb_, np.int64)
    bd = np.empty(nb_, np.int64)
    for k in range(nb_):
        p = fill[b_node[k]]
        bt[p] = b_tgt[k]
        bd[p] = b_dist[k]
        fill[b_node[k]] += 1
    out = np.full((n_src, n_tgt), UNREACHABLE, np.int64)
    for i in range(n_src):
        nt = _upward(h_up_ptr, h_up_idx, h_up_w, s_ptr, s_node, s_off, i, dist, touched, hk, hv)
        for k in range(nt):
            y = touched[k]
            d = dist[y]
            for p in range(b_ptr[y], b_ptr[y + 1]):
                c = d + bd[p]
                if c < out[i, bt[p]]:
                    out[i, bt[p]] = c
            dist[y] = UNREACHABLE
    return out


def _options(options: tuple[np.ndarray, np.ndarray, np.ndarray]):
    ptr, node, off = (np.ascontiguousarray(a, np.int64) for a in options)
    return ptr, node, off


def many_to_many(
    hierarchy: Hierarchy,
    sources: tuple[np.ndarray, np.ndarray, np.ndarray],
    targets: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Shortest-path costs from every source to every target.

    Each source and target is a set of graph nodes with a start offset (a point on
    an edge can leave by either end). Both are given in CSR form
    ``(ptr, node, offset)``: source ``i`` may start at ``node[k]`` with cost
    ``offset[k]`` for ``k`` in ``ptr[i]:ptr[i+1]``; target ``j`` is reached from
    ``node[k]`` at an extra cost ``offset[k]``.

    Parameters
    ----------
    hierarchy
        From :func:`build_hierarchy`.
    sources, targets
        ``(ptr, node, offset)`` arrays as described above.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(len(sources), len(targets))``; :data:`UNREACHABLE`
        where there is no path.
    """
    h = hierarchy
    s_ptr, s_node, s_off = _options(sources)
    t_ptr, t_node, t_off = _options(targets)
    return _many_to_many(
        h.up_indptr, h.up_indices, h.up_weight, h.down_indptr, h.down_indices, h.down_weight,
        s_ptr, s_node, s_off, t_ptr, t_node, t_off,
    )
