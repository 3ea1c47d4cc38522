"""Orientation advice: which way up the part needs the least support.

Candidate orientations put one of the part's broad faces on the bed: the six axis directions and the
largest flat faces of its convex hull (a part can only rest stably on its hull). Orientations that stand on
less than the material's `bed_contact_min_area` come last; the rest are scored by the area needing support
(against the profile's support angle), then the area on the bed (more holds better), then the height (lower
prints sooner). Everything is in millimetres, mm² and degrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.checks.part import CheckedPart
from app.checks.report import Finding

# How many of the hull's largest flat faces are tried as the face down, besides the six axis directions.
HULL_CANDIDATES = 60


@dataclass(frozen=True)
class Orientation:
    """One way up: `down` is the unit direction (in the part's current frame) that is turned to face the bed,
    `rotation` the 4x4 transform that does it."""

    down: tuple[float, float, float]
    support_area: float
    contact_area: float
    height: float
    rotation: tuple[tuple[float, ...], ...]


def advise_orientations(mesh: Any, settings: Mapping[str, Any], count: int = 3) -> list[Orientation]:
    """The `count` orientations with the least support area, ties broken by more bed contact, then height;
    those with too little bed contact last. `mesh` is a trimesh, TriangleMesh or CheckedPart."""
    mesh = CheckedPart.of(mesh)
    sine = np.sin(np.radians(float(settings["support_material_angle"])))
    near_bed = float(settings["first_layer_height"]) / 2.0
    least_contact = float(settings["bed_contact_min_area"])
    normals, areas, vertices = mesh.face_normals, mesh.area_faces, mesh.vertices
    first, second, third = (np.ascontiguousarray(column) for column in mesh.faces.T)
    scored = []
    for down in _candidates(mesh):
        up = -down
        facing = normals @ up
        heights = vertices @ up
        low = float(heights.min())
        # Three element-wise maxima: far faster than a max over an axis of length three.
        on_bed = np.maximum(np.maximum(heights[first], heights[second]), heights[third]) <= low + near_bed
        support = float(areas[(facing < -sine - 1e-9) & ~on_bed].sum())
        contact = float(areas[on_bed & (facing < 0.0)].sum())
        scored.append((contact < least_contact, round(support, 3), -round(contact, 3),
                       round(float(heights.max()) - low, 3), tuple(round(float(v), 6) + 0.0 for v in down)))
    scored.sort()
    best = []
    for _, support, contact, height, down in scored[:count]:
        rotation = _turning(np.array(down), np.array([0.0, 0.0, -1.0]))
        best.append(Orientation(down=down, support_area=support, contact_area=-contact, height=height,
                                rotation=tuple(tuple(round(float(v), 9) for v in row) for row in rotation)))
    return best


def orientation_findings(mesh: Any, settings: Mapping[str, Any]) -> list[Finding]:
    """The advice as info findings, best first."""
    findings = []
    for rank, option in enumerate(advise_orientations(mesh, settings), start=1):
        x, y, z = option.down
        findings.append(Finding(
            rule=f"fdm.orientation.{rank}", severity="info",
            message=f"orientation {rank}: turn the part so that its side facing ({x:.3f}, {y:.3f}, {z:.3f}) is "
                    f"on the bed: {option.support_area:.0f} mm² needs support, {option.contact_area:.0f} mm² "
                    f"touches the bed, {option.height:.1f} mm tall",
            measured=option.support_area, unit="mm2",
        ))
    return findings


def _candidates(mesh: CheckedPart) -> np.ndarray:
    """Unit directions to try as 'down', deterministic and without repeats."""
    hull = mesh.to_trimesh().convex_hull
    order = np.argsort(-hull.facets_area, kind="stable")[:HULL_CANDIDATES]
    axes = np.vstack([np.eye(3), -np.eye(3)])
    directions = np.vstack([axes, hull.facets_normal[order]]) if len(order) else axes
    _, first = np.unique(np.round(directions, 6), axis=0, return_index=True)
    return directions[np.sort(first)]


def _turning(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The 4x4 rotation that turns unit vector `start` onto unit vector `end`."""
    import trimesh  # already imported for the hull by the time this runs

    return trimesh.geometry.align_vectors(start, end)
