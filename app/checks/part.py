"""The surface under check: vertices and facets with every derived array the rules read, each worked out
once with numpy.

The attribute names are trimesh's, so a rule works on a `CheckedPart` or on a trimesh.Trimesh alike. The
checks do not import trimesh on their common path: importing it costs about 0.6 s (scipy.spatial), more than
all the rules together take on 3DBenchy. It is imported only to mend what is broken (`to_trimesh`).
Everything is in millimetres.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from app.checks.mass import volume_and_centre
from app.checks.rays import ray_scene
from app.checks.regions import connected_labels

if TYPE_CHECKING:
    import trimesh


class CheckedPart:
    """A triangle mesh: vertices (n, 3) float64 mm and facets (m, 3) int64, counter-clockwise from outside."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray) -> None:
        self.vertices = np.ascontiguousarray(vertices, dtype=np.float64).reshape(-1, 3)
        self.faces = np.ascontiguousarray(faces, dtype=np.int64).reshape(-1, 3)

    @classmethod
    def of(cls, mesh: Any) -> CheckedPart:
        """Any mesh with `vertices` and `faces` (a trimesh, the slicer's TriangleMesh) as a CheckedPart."""
        return mesh if isinstance(mesh, CheckedPart) else cls(np.array(mesh.vertices), np.array(mesh.faces))

    def to_trimesh(self) -> trimesh.Trimesh:
        import trimesh  # only to mend a broken surface: see the module docstring

        return trimesh.Trimesh(vertices=self.vertices.copy(), faces=self.faces.copy(), process=False)

    @cached_property
    def triangles(self) -> np.ndarray:
        """(m, 3, 3) corners of every facet."""
        return self.vertices[self.faces]

    @cached_property
    def _crosses(self) -> np.ndarray:
        triangles = self.triangles
        return np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])

    @cached_property
    def area_faces(self) -> np.ndarray:
        """(m,) facet areas in mm²."""
        return np.sqrt(np.einsum("ij,ij->i", self._crosses, self._crosses)) / 2.0

    @cached_property
    def face_normals(self) -> np.ndarray:
        """(m, 3) unit normals; zero for a facet without area."""
        lengths = (2.0 * self.area_faces)[:, None]
        normals = np.zeros_like(self._crosses)
        np.divide(self._crosses, lengths, out=normals, where=lengths > 0.0)
        return normals

    @cached_property
    def triangles_center(self) -> np.ndarray:
        """(m, 3) facet centroids."""
        return self.triangles.mean(axis=1)

    @cached_property
    def bounds(self) -> np.ndarray:
        """[[min x, min y, min z], [max x, max y, max z]] of the vertices facets use."""
        if not len(self.faces):
            return np.array([self.vertices.min(axis=0), self.vertices.max(axis=0)])
        used = np.zeros(len(self.vertices), dtype=bool)
        used[self.faces.ravel()] = True
        return np.array([self.vertices[used].min(axis=0), self.vertices[used].max(axis=0)])

    @property
    def extents(self) -> np.ndarray:
        return self.bounds[1] - self.bounds[0]

    @cached_property
    def edge_groups(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The directed edges grouped by undirected edge: (order sorting the 3m directed edges by their
        undirected key, the sorted keys, where each group starts in that order, how many edges each has)."""
        directed = self.edges
        low, high = directed.min(axis=1), directed.max(axis=1)
        keys = low * max(len(self.vertices), 1) + high
        order = np.argsort(keys)
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        counts = np.diff(np.r_[starts, len(sorted_keys)])
        return order, sorted_keys, starts, counts

    @cached_property
    def edges(self) -> np.ndarray:
        """(3m, 2) directed edges, three per facet in facet order."""
        return self.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)

    def edge_counts(self, edges: np.ndarray) -> np.ndarray:
        """How many facets have each of the (k, 2) `edges` (vertex pairs in either order)."""
        _, sorted_keys, _, _ = self.edge_groups
        keys = edges.min(axis=1) * max(len(self.vertices), 1) + edges.max(axis=1)
        return np.searchsorted(sorted_keys, keys, side="right") - np.searchsorted(sorted_keys, keys, side="left")

    @cached_property
    def open_edges(self) -> np.ndarray:
        """Indices (into `edges`) of the edges only one facet has: the rims of holes."""
        order, _, starts, counts = self.edge_groups
        return np.sort(order[starts[counts == 1]])

    @cached_property
    def face_adjacency(self) -> np.ndarray:
        """(k, 2) pairs of facets that share an edge only the two of them have."""
        order, _, starts, counts = self.edge_groups
        paired = starts[counts == 2]
        return np.column_stack([order[paired] // 3, order[paired + 1] // 3])

    @property
    def is_watertight(self) -> bool:
        """Every edge is shared by exactly two facets."""
        return bool(len(self.faces)) and bool((self.edge_groups[3] == 2).all())

    @cached_property
    def is_winding_consistent(self) -> bool:
        """Every shared edge is run in opposite directions by its two facets (no edge shared by more)."""
        order, _, starts, counts = self.edge_groups
        if (counts > 2).any():
            return False
        paired = starts[counts == 2]
        first, second = self.edges[order[paired]], self.edges[order[paired + 1]]
        return bool((first[:, 0] == second[:, 1]).all())

    @cached_property
    def body_labels(self) -> np.ndarray:
        """(m,) the body (set of facets joined through shared vertices) each facet belongs to, from 0."""
        labels = connected_labels(len(self.vertices), self.edges)[self.faces[:, 0]]
        return np.unique(labels, return_inverse=True)[1].reshape(-1)

    @cached_property
    def volume_and_centre(self) -> tuple[float, np.ndarray]:
        """Signed volume (mm³) and centre of mass (mm) as app.checks.mass works them out, once."""
        return volume_and_centre(self)

    @cached_property
    def ray_scene(self) -> Any:
        """The facets as an Embree scene, built once for every rule that casts rays."""
        return ray_scene(self)

    @property
    def body_count(self) -> int:
        return int(self.body_labels.max()) + 1 if len(self.faces) else 0
