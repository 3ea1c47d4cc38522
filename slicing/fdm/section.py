"""Cross-sections of the part: the region the part occupies at a given height, holes included.

A closed, manifold mesh is sectioned by manifold3d, which is fast and exact. A mesh manifold3d refuses is
sectioned face by face here: segments are joined through the mesh edges they cross, pieces left open by
gaps in the surface are stitched to their nearest neighbours, and nesting is decided even-odd, so flipped
faces do not matter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import manifold3d
import numpy as np
import trimesh

from slicing.fdm.polygons import Paths, simplify, to_units, union

Sectioner = Callable[[float], Paths]

# Outline detail finer than this (mm) is far below what a nozzle reproduces; dropping it keeps the G-code
# short enough for the firmware's planner to keep up.
OUTLINE_RESOLUTION = 0.0125


def make_sectioner(mesh: trimesh.Trimesh) -> tuple[Sectioner, str | None]:
    """A function from a height z (mm) to the part's region there, and a warning if the mesh is not a
    closed solid and had to be sectioned face by face."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    solid = manifold3d.Manifold(
        manifold3d.Mesh(vert_properties=vertices.astype(np.float32), tri_verts=faces.astype(np.uint32))
    )
    status = solid.status()
    if status == manifold3d.Error.NoError:
        return (lambda z: simplify(to_units(solid.slice(z).to_polygons()), OUTLINE_RESOLUTION)), None
    warning = (
        f"the mesh is not a closed solid ({status.name}); it was sectioned face by face and open outlines "
        "were closed across their gaps: repair the mesh if the preview shows missing or extra areas"
    )
    return FaceSectioner(vertices, faces), warning


class FaceSectioner:
    """Sections an arbitrary triangle soup at any height; see the module docstring."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray) -> None:
        """vertices: (n, 3) mm; faces: (m, 3) vertex indices."""
        self._vertices = vertices
        self._faces = faces
        face_edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 3, 2), axis=2)
        self._edges, inverse = np.unique(face_edges.reshape(-1, 2), axis=0, return_inverse=True)
        self._face_edges = inverse.reshape(-1, 3)

    def __call__(self, z: float) -> Paths:
        # A vertex exactly at z counts as below, so every face is either crossed by two edges or not at all.
        above = self._vertices[:, 2] > z
        above_count = above[self._faces].sum(axis=1)
        crossed_faces = self._face_edges[(above_count == 1) | (above_count == 2)]
        if len(crossed_faces) == 0:
            return []
        edge_crossed = above[self._edges[:, 0]] != above[self._edges[:, 1]]
        segments = crossed_faces[edge_crossed[crossed_faces]].reshape(-1, 2)

        crossed_edges = self._edges[edge_crossed]
        low, high = self._vertices[crossed_edges[:, 0]], self._vertices[crossed_edges[:, 1]]
        t = (z - low[:, 2]) / (high[:, 2] - low[:, 2])
        point_of_edge = np.full((len(self._edges), 2), np.nan)
        point_of_edge[edge_crossed] = low[:, :2] + t[:, None] * (high[:, :2] - low[:, :2])

        closed, open_chains = _chain_segments(segments)
        loops = [point_of_edge[chain] for chain in closed]
        loops += _stitch([point_of_edge[chain] for chain in open_chains])
        return simplify(union(to_units(loops), even_odd=True), OUTLINE_RESOLUTION)


def _chain_segments(segments: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """Join segments (pairs of edge ids) that share an edge into closed loops and open chains."""
    touching: dict[int, list[int]] = defaultdict(list)
    pairs = segments.tolist()
    for index, (a, b) in enumerate(pairs):
        touching[a].append(index)
        touching[b].append(index)
    used = [False] * len(pairs)

    def extend(chain: list[int]) -> bool:
        """Walk on from the chain's last edge; True when the walk comes back to its first edge."""
        node = chain[-1]
        while node != chain[0]:
            following = next((s for s in touching[node] if not used[s]), None)
            if following is None:
                return False
            used[following] = True
            a, b = pairs[following]
            node = b if a == node else a
            chain.append(node)
        return True

    closed: list[list[int]] = []
    open_chains: list[list[int]] = []
    for index, (a, b) in enumerate(pairs):
        if used[index]:
            continue
        used[index] = True
        chain = [a, b]
        if extend(chain):
            closed.append(chain[:-1])
            continue
        chain.reverse()
        extend(chain)
        open_chains.append(chain)
    return closed, open_chains


def _stitch(chains: list[np.ndarray]) -> list[np.ndarray]:
    """Close open chains into loops, joining each chain's end to the nearest loose end (its own start
    included), so a crack in the surface becomes a short straight bridge instead of a lost outline."""
    remaining = list(chains)
    loops: list[np.ndarray] = []
    while remaining:
        loop = remaining.pop(0)
        while remaining:
            end = loop[-1]
            to_starts = [float(np.hypot(*(chain[0] - end))) for chain in remaining]
            to_ends = [float(np.hypot(*(chain[-1] - end))) for chain in remaining]
            nearest_start, nearest_end = int(np.argmin(to_starts)), int(np.argmin(to_ends))
            own_gap = float(np.hypot(*(loop[0] - end)))
            if min(to_starts[nearest_start], to_ends[nearest_end]) >= own_gap:
                break
            if to_starts[nearest_start] <= to_ends[nearest_end]:
                loop = np.vstack([loop, remaining.pop(nearest_start)])
            else:
                loop = np.vstack([loop, remaining.pop(nearest_end)[::-1]])
        loops.append(loop)
    return loops
