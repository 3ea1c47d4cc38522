"""The part as an exact solid (manifold3d) for the checks that need inside and outside: cross-sections at
a height, bodies and their overlaps. Everything is in millimetres."""

from __future__ import annotations

import manifold3d
import numpy as np

from app.checks.part import CheckedPart


def as_solid(mesh: CheckedPart) -> manifold3d.Manifold | None:
    """The mesh as a manifold3d solid, or None when it is not a closed manifold surface."""
    solid = manifold3d.Manifold(manifold3d.Mesh(
        vert_properties=np.asarray(mesh.vertices, dtype=np.float32),
        tri_verts=np.asarray(mesh.faces, dtype=np.uint32),
    ))
    return solid if solid.status() == manifold3d.Error.NoError and not solid.is_empty() else None


def section_heights(low: float, high: float, first_layer_height: float, layer_height: float) -> np.ndarray:
    """The heights (mm) at the middle of every layer the printer will lay between `low` and `high`."""
    if high - low <= first_layer_height:
        return np.array([low + (high - low) / 2.0])
    upper = np.arange(low + first_layer_height + layer_height / 2.0, high, layer_height)
    return np.concatenate(([low + first_layer_height / 2.0], upper))


def rings(section: manifold3d.CrossSection) -> list[np.ndarray]:
    """The closed outlines of a section as (n, 2) arrays: outer outlines counter-clockwise, holes clockwise."""
    return [np.asarray(ring, dtype=np.float64) for ring in section.to_polygons()]


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a closed (n, 2) ring in mm²: positive when counter-clockwise."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))

