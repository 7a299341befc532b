"""Heat mains along the streets of the extract.

The synthetic network (:func:`coldstart.city.synth_heat.build_heat`) joins its nodes with
straight pipes. Where the extract has streets (:data:`coldstart.city.osm.read.STREET_KINDS`),
each main between two network nodes (not the service pipe into a building) is moved onto the
shortest street path between the street points nearest to its ends: the pipe becomes a chain
of pipes through new nodes at the street's vertices, of the same diameter and design load,
whose lengths are the street's. A main whose ends lie farther than :data:`SNAP_M` from a
street, or whose street path is longer than :data:`MAX_DETOUR` times the straight line, stays
straight. The first pipe of a chain keeps the main's index (its valves, booster and asset stay
on it); the others are appended. Mains never share nodes: two mains in one street are two
pipes, as in a real trench.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from coldstart.city.synth_heat import HeatBuild

SNAP_M = 80.0
"""Farthest a main's end may lie from a street vertex for the main to follow the street [m]."""

MAX_DETOUR = 2.0
"""Longest street path, as a multiple of the straight line, a main is moved onto."""

CHUNK = 256
"""Street vertices searched from at once (bounds the distance matrix in memory)."""

MIN_MAIN_M = 40.0
"""Mains shorter than this stay straight [m] (they cross a yard, not a street)."""


@dataclass(frozen=True)
class Streets:
    """The street network: vertices [m] and a symmetric sparse graph of segment lengths."""

    xy: np.ndarray
    graph: object
    tree: cKDTree


def street_network(wkbs: np.ndarray, to_xy) -> Streets | None:
    """The streets as a graph (vertices shared where the ways share OSM nodes), or None.

    Parameters
    ----------
    wkbs : numpy.ndarray
        WKB linestrings (WGS84) of the streets.
    to_xy : callable
        ``(lon, lat) -> (x, y)`` [m].
    """
    lines = shapely.from_wkb(np.asarray(wkbs, dtype=object))
    lines = lines[~shapely.is_missing(lines)]
    if not len(lines):
        return None
    coords, line_of = shapely.get_coordinates(lines, return_index=True)
    keys, vertex = np.unique(np.round(coords, 7), axis=0, return_inverse=True)
    vertex = vertex.ravel()
    same = line_of[1:] == line_of[:-1]
    u, v = vertex[:-1][same], vertex[1:][same]
    x, y = to_xy(keys[:, 0], keys[:, 1])
    xy = np.column_stack([x, y])
    length = np.hypot(*(xy[u] - xy[v]).T)
    keep = (u != v) & (length > 0)
    n = len(xy)
    graph = coo_matrix((length[keep], (u[keep], v[keep])), shape=(n, n)).tocsr()
    return Streets(xy, graph, cKDTree(xy))


def _mains(h: HeatBuild) -> np.ndarray:
    """Pipes between two network nodes (not into a consumer) at least :data:`MIN_MAIN_M`."""
    consumer = np.zeros(len(h.node_xy), bool)
    consumer[h.consumer_node] = True
    straight = np.hypot(*(h.node_xy[h.pipe_from] - h.node_xy[h.pipe_to]).T)
    return np.flatnonzero(~consumer[h.pipe_from] & ~consumer[h.pipe_to] & (straight >= MIN_MAIN_M))


def street_paths(h: HeatBuild, streets: Streets) -> dict[int, np.ndarray]:
    """The street vertices [m] each main follows, by pipe index (mains that stay straight are
    left out)."""
    mains = _mains(h)
    a, b = h.node_xy[h.pipe_from[mains]], h.node_xy[h.pipe_to[mains]]
    da, va = streets.tree.query(a)
    db, vb = streets.tree.query(b)
    straight = np.hypot(*(a - b).T)
    ok = (da <= SNAP_M) & (db <= SNAP_M) & (va != vb)
    out: dict[int, np.ndarray] = {}
    todo = np.flatnonzero(ok)
    starts = np.unique(va[todo])
    for chunk in np.array_split(starts, max(1, -(-len(starts) // CHUNK))):
        mine = todo[np.isin(va[todo], chunk)]
        limit = MAX_DETOUR * float(straight[mine].max())
        dist, pred = dijkstra(streets.graph, directed=False, indices=chunk,
                              return_predecessors=True, limit=limit)  # fmt: skip
        row = {int(s): r for r, s in enumerate(chunk)}
        for k in mine:
            r, end = row[int(va[k])], int(vb[k])
            if not dist[r, end] <= MAX_DETOUR * straight[k]:
                continue
            path = [end]
            while path[-1] != va[k]:
                path.append(int(pred[r, path[-1]]))
            out[int(mains[k])] = streets.xy[path[::-1]]
    return out


def along_streets(h: HeatBuild, streets: Streets | None) -> tuple[HeatBuild, int]:
    """``h`` with its mains moved onto the streets (see the module doc), and how many moved.

    Parameters
    ----------
    h : HeatBuild
        The synthetic network (not modified).
    streets : Streets or None
        :func:`street_network` of the extract; None leaves every pipe straight.

    Returns
    -------
    HeatBuild
        Nodes and pipes appended; every existing index is unchanged.
    int
        Mains that follow the streets.
    """
    paths = street_paths(h, streets) if streets is not None else {}
    if not paths:
        return h, 0
    node_id, node_xy = list(h.node_id), [h.node_xy]
    pipe_to = h.pipe_to.copy()
    length = h.pipe_length_m.copy()
    new = {"from": [], "to": [], "length": [], "pipe": []}
    n = len(h.node_xy)
    for p, path in paths.items():
        first = n
        node_id += [f"st_{p}_{k}" for k in range(len(path))]
        node_xy.append(path)
        n += len(path)
        chain = [int(h.pipe_from[p]), *range(first, n), int(h.pipe_to[p])]
        xy = np.vstack([h.node_xy[h.pipe_from[p]], path, h.node_xy[h.pipe_to[p]]])
        seg = np.maximum(np.hypot(*np.diff(xy, axis=0).T), 1.0)
        pipe_to[p], length[p] = chain[1], seg[0]
        new["from"] += chain[1:-1]
        new["to"] += chain[2:]
        new["length"] += seg[1:].tolist()
        new["pipe"] += [p] * (len(chain) - 2)
    src = np.asarray(new["pipe"], dtype=np.int64)
    routed = dataclasses.replace(
        h,
        node_id=node_id,
        node_xy=np.vstack(node_xy),
        pipe_from=np.concatenate([h.pipe_from, np.asarray(new["from"], dtype=np.int64)]),
        pipe_to=np.concatenate([pipe_to, np.asarray(new["to"], dtype=np.int64)]),
        pipe_length_m=np.concatenate([length, np.round(new["length"], 1)]),
        pipe_dn_mm=np.concatenate([h.pipe_dn_mm, h.pipe_dn_mm[src]]),
        pipe_downstream_mw_th=np.concatenate(
            [h.pipe_downstream_mw_th, h.pipe_downstream_mw_th[src]]
        ),
        pipe_network=np.concatenate([h.pipe_network, h.pipe_network[src]]),
    )
    return routed, len(paths)
