"""Cross-sections of the part: the region the part occupies at a given height, holes included.

A closed, manifold mesh is sectioned by manifold3d, which is fast and exact. A mesh manifold3d refuses is
sectioned face by face here: segments are joined through the mesh edges they cross, pieces left open by
gaps in the surface are stitched to their nearest neighbours, and nesting is decided even-odd, so flipped
faces do not matter.

A mesh may hold several bodies that overlap (two cubes pushed into each other, a 3MF with several
objects). Each connected body is sectioned on its own, even-odd, and the bodies' sections are then united,
as PrusaSlicer unites the volumes of an object: the overlap prints once and no wall is left inside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import manifold3d
import numpy as np

from slicing.errors import MeshError
from slicing.fdm.polygons import Paths, simplify, to_units, union
from slicing.triangles import TriangleMesh

Sectioner = Callable[[float], Paths]

# Outline detail finer than this (mm) is far below what a nozzle reproduces; dropping it keeps the G-code
# short enough for the firmware's planner to keep up.
OUTLINE_RESOLUTION = 0.0125
# A mesh where more than this share of the edges belongs to one facet only is not a surface at all.
SOUP_OPEN_EDGE_SHARE = 0.5


def make_sectioner(mesh: TriangleMesh) -> tuple[Sectioner, str | None]:
    """A function from a height z (mm) to the part's region there, and a warning if the mesh is not a
    closed solid and had to be sectioned face by face. Raises MeshError for a triangle soup."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    solid = manifold3d.Manifold(
        manifold3d.Mesh(vert_properties=vertices.astype(np.float32), tri_verts=faces.astype(np.uint32))
    )
    status = solid.status()
    if status == manifold3d.Error.NoError:
        bodies = [_outward(body) for body in solid.decompose()] if solid.num_tri() > 0 else [solid]
        if len(bodies) == 1:
            (body,) = bodies
            return (lambda z: simplify(to_units(body.slice(z).to_polygons()), OUTLINE_RESOLUTION)), None
        return _united([_manifold_sectioner(body) for body in bodies]), None
    labels, open_share = _bodies(faces)
    if open_share > SOUP_OPEN_EDGE_SHARE:
        raise MeshError(
            f"{open_share:.0%} of the mesh's edges belong to one facet only: it is a loose triangle soup, not "
            "a solid, and has no inside to fill; export the part again from its CAD program as a closed solid"
        )
    warning = (
        f"the mesh is not a closed solid ({status.name}); it was sectioned face by face and open outlines "
        "were closed across their gaps: repair the mesh if the preview shows missing or extra areas"
    )
    if labels.max() == 0:
        return FaceSectioner(vertices, faces), warning
    return _united([FaceSectioner(vertices, faces[labels == label]) for label in range(labels.max() + 1)]), warning


def _outward(body: manifold3d.Manifold) -> manifold3d.Manifold:
    """The body with its facets facing outwards: a closed body whose normals all point in (negative
    volume) would section as empty."""
    if body.volume() >= 0.0:
        return body
    mesh = body.to_mesh()
    flipped = np.array(np.asarray(mesh.tri_verts)[:, ::-1], dtype=np.uint32, order="C")
    corners = np.array(np.asarray(mesh.vert_properties)[:, :3], dtype=np.float32, order="C")
    return manifold3d.Manifold(manifold3d.Mesh(vert_properties=corners, tri_verts=flipped))


def _manifold_sectioner(body: manifold3d.Manifold) -> Sectioner:
    # A body turned inside out has clockwise outlines: even-odd reads them as the solid they are.
    return lambda z: union(to_units(body.slice(z).to_polygons()), even_odd=True)


def _united(sectioners: list[Sectioner]) -> Sectioner:
    """Section every body, then unite: each body's region is oriented outer-counter-clockwise by its own
    union, so the non-zero union of all of them is every point inside any body."""

    def section(z: float) -> Paths:
        rings = [ring for sectioner in sectioners for ring in sectioner(z)]
        return simplify(union(rings), OUTLINE_RESOLUTION)

    return section


def _bodies(faces: np.ndarray) -> tuple[np.ndarray, float]:
    """Label of the connected body of every face (faces sharing an edge are connected), and the share of
    edges used by one face only."""
    # Only meshes manifold3d refuses come here: closed ones slice without paying for scipy's import.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    face_edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, edge_of, uses = np.unique(face_edges, axis=0, return_inverse=True, return_counts=True)
    edge_of = edge_of.reshape(-1)
    face_of = np.repeat(np.arange(len(faces)), 3)
    # Faces and edges as one bipartite graph: bodies are its connected components.
    n_faces, n_edges = len(faces), len(uses)
    graph = coo_matrix(
        (np.ones(len(face_of)), (face_of, n_faces + edge_of)), shape=(n_faces + n_edges, n_faces + n_edges)
    )
    _, labels = connected_components(graph, directed=False)
    face_labels = labels[:n_faces]
    _, face_labels = np.unique(face_labels, return_inverse=True)
    return face_labels.reshape(-1), float(np.mean(uses == 1))


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
