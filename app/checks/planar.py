"""Plan-view measures of point sets and outlines, in millimetres."""

from __future__ import annotations

import numpy as np
import shapely


def narrowest_width(geometry: shapely.Geometry) -> float:
    """The narrowest width (mm) of a geometry's convex hull: the shorter side of its minimum rotated
    rectangle; 0 when the hull collapses to a line or a point."""
    box = shapely.minimum_rotated_rectangle(geometry)
    if box.geom_type != "Polygon":
        return 0.0
    corners = np.asarray(box.exterior.coords)[:3]
    return float(min(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[1])))


def inscribed_width(ring: np.ndarray) -> float:
    """The diameter (mm) of the largest circle inside a closed (n, 2) ring: the widest tool, nozzle line or
    beam that passes through it (a round hole's diameter, a slot's width)."""
    polygon = shapely.Polygon(ring)
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    if polygon.is_empty or polygon.area <= 0.0:
        return 0.0
    # The search stops within a thousandth of the outline's size: finer than any tool or nozzle.
    tolerance = max(float(np.ptp(ring, axis=0).max()) * 1e-3, 1e-6)
    return 2.0 * float(shapely.maximum_inscribed_circle(polygon, tolerance).length)
