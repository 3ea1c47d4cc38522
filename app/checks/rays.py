"""Rays through the part's surface, cast by Embree (embreex): a few hundred thousand in a fraction of a second.

Embree works in float32, so the scene is built about the part's own centre: hits are then good to about 1e-6
of the part's size wherever the part lies (a part 1200 mm from the origin would otherwise lose a tenth of a
micrometre per step, and rays started just inside a face would meet that face). Everything is in millimetres.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from embreex import mesh_construction, rtcore_scene


class RayScene(NamedTuple):
    """An Embree scene of a mesh's facets, built with `centre` (mm) moved to the origin."""

    embree: rtcore_scene.EmbreeScene
    centre: np.ndarray


def ray_scene(mesh: Any) -> RayScene:
    """An Embree scene of the mesh's facets (anything with `vertices` and `faces`); facet ids are its rows."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    centre = (vertices.min(axis=0) + vertices.max(axis=0)) / 2.0 if len(vertices) else np.zeros(3)
    scene = rtcore_scene.EmbreeScene()
    mesh_construction.TriangleMesh(scene, (vertices - centre).astype(np.float32),
                                   np.asarray(mesh.faces, dtype=np.int32))
    return RayScene(scene, centre)


class Hits(NamedTuple):
    """Where rays first meet the surface: the facet (-1: none), how far along (mm, for unit directions), and
    the hit's barycentric coordinates in that facet (u, v; the third is 1 - u - v)."""

    faces: np.ndarray
    distances: np.ndarray
    u: np.ndarray
    v: np.ndarray

    def inside_facet(self, margin: float) -> np.ndarray:
        """Hits at least `margin` (in barycentric units) inside their facet: not on its edges or corners."""
        w = 1.0 - self.u - self.v
        return (self.faces >= 0) & (np.minimum(np.minimum(self.u, self.v), w) > margin)


def first_hits(scene: RayScene, origins: np.ndarray, directions: np.ndarray,
               lengths: np.ndarray | None = None) -> Hits:
    """For each ray, the facet it meets first and where. `lengths` (mm) stops each ray there; without it
    rays run on for ever."""
    starts = (np.asarray(origins, dtype=np.float64) - scene.centre).astype(np.float32)
    hits = scene.embree.run(starts, np.asarray(directions, dtype=np.float32),
                            dists=None if lengths is None else np.asarray(lengths, dtype=np.float32), output=1)
    faces = np.asarray(hits["primID"], dtype=np.int64)
    faces[np.asarray(hits["geomID"]) < 0] = -1
    return Hits(faces, np.asarray(hits["tfar"], dtype=np.float64), np.asarray(hits["u"], dtype=np.float64),
                np.asarray(hits["v"], dtype=np.float64))
