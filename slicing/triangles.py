"""A light triangle mesh for the slicing path: vertices, facets, and the handful of trimesh's attributes that
loading, placing, sectioning and the thumbnail read.

Importing trimesh costs about 0.4 s (it pulls in scipy and networkx), a sixth of a whole `localfab slice` of
3DBenchy. Slicing needs none of its analyses, so the slicer works on this class and turns to trimesh only where
an analysis is asked for (`to_trimesh`). The attribute and method names are trimesh's, so the placement
functions take either kind of mesh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import trimesh

# Vertices closer than this (mm) are one vertex; trimesh merges at the same tolerance (8 decimals).
MERGE_DIGITS = 8


class TriangleMesh:
    """Vertices (n, 3) float64 mm and facets (m, 3) int64 indices into them, counter-clockwise seen from outside."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray) -> None:
        self.vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        self.faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)

    @property
    def is_empty(self) -> bool:
        return len(self.faces) == 0

    @property
    def bounds(self) -> np.ndarray:
        """[[min x, min y, min z], [max x, max y, max z]] over the vertices facets use (mm)."""
        if not len(self.faces):
            return np.array([self.vertices.min(axis=0), self.vertices.max(axis=0)])
        used = np.zeros(len(self.vertices), dtype=bool)
        used[self.faces.ravel()] = True
        corners = self.vertices[used]
        return np.array([corners.min(axis=0), corners.max(axis=0)])

    @property
    def extents(self) -> np.ndarray:
        low, high = self.bounds
        return high - low

    @property
    def triangles(self) -> np.ndarray:
        """(m, 3, 3) corners of every facet."""
        return self.vertices[self.faces]

    @property
    def face_normals(self) -> np.ndarray:
        """(m, 3) unit normals; zero for a facet without area."""
        crosses = _crosses(self.triangles)
        lengths = np.linalg.norm(crosses, axis=1)
        normals = np.zeros_like(crosses)
        np.divide(crosses, lengths[:, None], out=normals, where=lengths[:, None] > 0.0)
        return normals

    @property
    def area_faces(self) -> np.ndarray:
        """(m,) area of every facet in mm², worked out a chunk of facets at a time to keep memory low."""
        chunk = 1 << 15
        return np.concatenate([
            np.linalg.norm(_crosses(self.vertices[self.faces[start : start + chunk]]), axis=1) / 2.0
            for start in range(0, len(self.faces), chunk)
        ]) if len(self.faces) else np.zeros(0)

    def copy(self) -> TriangleMesh:
        return TriangleMesh(self.vertices.copy(), self.faces.copy())

    def apply_transform(self, matrix: np.ndarray) -> TriangleMesh:
        """Transform the vertices in place by a 4x4 homogeneous matrix; a mirroring one flips the facets so they
        still face outwards."""
        matrix = np.asarray(matrix, dtype=np.float64)
        self.vertices = self.vertices @ matrix[:3, :3].T + matrix[:3, 3]
        if np.linalg.det(matrix[:3, :3]) < 0.0:
            self.faces = np.ascontiguousarray(self.faces[:, ::-1])
        return self

    def apply_translation(self, offset: Any) -> TriangleMesh:
        self.vertices = self.vertices + np.asarray(offset, dtype=np.float64)
        return self

    def to_trimesh(self) -> trimesh.Trimesh:
        """The same mesh as a trimesh.Trimesh, for its analyses (convex hull, facets, repairs)."""
        import trimesh  # the whole point of this class is not to pay for it on the slicing path

        return trimesh.Trimesh(vertices=self.vertices, faces=self.faces, process=False)


def welded(vertices: np.ndarray, faces: np.ndarray) -> TriangleMesh:
    """The mesh with coincident vertices merged (first occurrence kept, in order), facets that collapse onto a
    repeated vertex dropped, and vertices no facet uses removed.

    Zero-area facets with three distinct, collinear corners are kept: dropping them would open a crack at the
    T-junction they close (3DBenchy has such facets). Orientation and holes are left as they are.
    """
    vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    if not len(vertices):
        return TriangleMesh(vertices, faces)
    keys = np.round(vertices * 10.0**MERGE_DIGITS).astype(np.int64)
    order = np.lexsort(keys.T[::-1])
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = np.any(keys[order[1:]] != keys[order[:-1]], axis=1)
    group_of_sorted = np.cumsum(starts) - 1
    # Each group is named by its first vertex in file order, and the groups are numbered in that order.
    first = np.minimum.reduceat(order, np.flatnonzero(starts))
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    merged_index = np.empty(len(keys), dtype=np.int64)
    merged_index[order] = rank[group_of_sorted]
    merged_vertices = np.empty((len(first), 3))
    merged_vertices[rank] = vertices[first]
    corners = merged_index[faces]
    keep = (corners[:, 0] != corners[:, 1]) & (corners[:, 1] != corners[:, 2]) & (corners[:, 0] != corners[:, 2])
    corners = corners[keep]
    used = np.zeros(len(merged_vertices), dtype=bool)
    used[corners] = True
    renumber = np.cumsum(used) - 1
    return TriangleMesh(merged_vertices[used], renumber[corners])


def concatenated(meshes: list[TriangleMesh]) -> TriangleMesh:
    """One mesh holding all of `meshes` (bodies stay separate)."""
    offsets = np.cumsum([0] + [len(mesh.vertices) for mesh in meshes[:-1]])
    return TriangleMesh(
        np.concatenate([mesh.vertices for mesh in meshes]),
        np.concatenate([mesh.faces + offset for mesh, offset in zip(meshes, offsets, strict=True)]),
    )


def _crosses(triangles: np.ndarray) -> np.ndarray:
    return np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
