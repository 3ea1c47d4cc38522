"""Where a part cuts through itself: a body whose surface passes through itself, and bodies of one mesh that
overlap. Everything is in millimetres."""

from __future__ import annotations

from dataclasses import dataclass

import manifold3d
import numpy as np

from app.checks.part import CheckedPart
from app.checks.rays import Hits, first_hits

# Edge rays start and stop this fraction of the edge's length short of its ends, and run this far inside
# one of the edge's facets, so the facets that meet at its corners or along it are not taken for crossings.
EDGE_END_SHARE = 1e-5
# A hit this close (in barycentric units) to a facet's rim is taken as touching it, not crossing it.
RIM_SHARE = 1e-4
# An edge must pass this far (mm) through a facet on both sides to cut it: the slicer's outlines drop
# detail finer than 0.0125 mm (slicing.fdm.section), so shallower folds never reach the G-code.
CROSSING_DEPTH = 0.0125


@dataclass(frozen=True)
class Overlap:
    """Two bodies (indices in manifold3d's decomposition order) sharing `volume` mm³ around `centre`."""

    first: int
    second: int
    volume: float
    centre: tuple[float, float, float]


def overlapping_bodies(solid: manifold3d.Manifold) -> list[Overlap]:
    """Every pair of the solid's bodies whose insides overlap by more than a rounding error."""
    bodies = solid.decompose()
    if len(bodies) < 2:
        return []
    boxes = np.array([body.bounding_box() for body in bodies])  # (n, 6): min xyz, max xyz
    smallest = min(body.volume() for body in bodies)
    overlaps = []
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            if (boxes[i, :3] >= boxes[j, 3:]).any() or (boxes[j, :3] >= boxes[i, 3:]).any():
                continue
            shared = bodies[i] ^ bodies[j]
            # Far below one facet's worth of rounding in float32 coordinates: a real overlap, not touching.
            if shared.is_empty() or shared.volume() <= smallest * 1e-6:
                continue
            low, high = np.split(np.array(shared.bounding_box()), 2)
            centre = tuple(round(float(v), 4) for v in (low + high) / 2.0)
            overlaps.append(Overlap(i, j, float(shared.volume()), centre))
    return overlaps



def self_crossings(part: CheckedPart) -> tuple[np.ndarray, np.ndarray]:
    """Facets of one body that another facet's edge passes through: (facet indices, where (mm, (k, 3))).

    Each edge is cast as a ray along its length, moved a hair into one of its own facets so that the ray
    does not graze that facet or its neighbour across the edge. A facet it passes through that shares
    neither of its corners, belongs to the same body and has the edge's ends clearly on either side is a
    place where the surface cuts through itself. Facets lying in the edge's plane are not seen.
    """
    order, _, starts, _ = part.edge_groups
    edges = part.edges[order[starts]]
    owners = order[starts] // 3
    vectors = part.vertices[edges[:, 1]] - part.vertices[edges[:, 0]]
    lengths = np.linalg.norm(vectors, axis=1)
    usable = lengths > 0.0
    edges, owners, lengths = edges[usable], owners[usable], lengths[usable]
    directions = vectors[usable] / lengths[:, None]
    inward = part.triangles_center[owners] - part.vertices[edges].mean(axis=1)
    inward /= np.maximum(np.linalg.norm(inward, axis=1), 1e-300)[:, None]
    starts_at = part.vertices[edges[:, 0]] + (directions + inward) * (lengths * EDGE_END_SHARE)[:, None]
    hits = first_hits(part.ray_scene, starts_at, directions, lengths * (1.0 - 2.0 * EDGE_END_SHARE))
    crossing = _crossing(part, hits, edges, owners)
    where = starts_at[crossing] + directions[crossing] * hits.distances[crossing, None]
    return hits.faces[crossing], where


def _crossing(part: CheckedPart, hits: Hits, edges: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """Which hits are an edge passing through a facet of its own body, as `self_crossings` defines it."""
    # A hit on a facet's rim is an edge running along or through a corner (a T-junction), not a crossing.
    candidates = np.flatnonzero(hits.inside_facet(RIM_SHARE))
    hit, ends = hits.faces[candidates], edges[candidates]
    corners = part.faces[hit]
    touching = (corners == ends[:, :1]).any(axis=1) | (corners == ends[:, 1:]).any(axis=1)
    same_body = part.body_labels[hit] == part.body_labels[owners[candidates]]
    # Both ends of the edge must lie clearly on either side of the facet: surfaces that graze each other
    # by less than the slicer resolves (as exported CAD meshes do) are not cut through.
    offsets = part.vertices[ends] - part.vertices[corners[:, 0]][:, None, :]
    sides = np.einsum("ij,ikj->ik", part.face_normals[hit], offsets)
    through = (sides[:, 0] * sides[:, 1] < 0.0) & (np.abs(sides).min(axis=1) > CROSSING_DEPTH)
    crossing = np.zeros(len(edges), dtype=bool)
    crossing[candidates[~touching & same_body & through]] = True
    return crossing
