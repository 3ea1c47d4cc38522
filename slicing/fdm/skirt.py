"""Skirt and brim: loops around the first layer that prime the nozzle, and that hold the part down."""

from __future__ import annotations

import numpy as np
import shapely

from slicing.fdm.polygons import Paths, difference, islands, offset, to_mm, to_units, union


def brim_loops(first_layer: Paths, *, width: float, line_width: float) -> list[np.ndarray]:
    """Centre-line rings ((n, 2) mm) of a brim `width` mm wide around the outside of every island of the
    first layer, outermost first (holes get none: a brim inside them would be hard to remove)."""
    count = round(width / line_width)
    if count <= 0 or not first_layer:
        return []
    outers = union([piece[0] for piece in islands(first_layer)])
    rings: list[np.ndarray] = []
    for k in reversed(range(count)):
        grown = offset(outers, (k + 0.5) * line_width, round_joins=True)
        rings.extend(to_mm(grown))
    return rings


def brim_area(first_layer: Paths, *, width: float, line_width: float) -> Paths:
    """The area the brim covers (fixed-point), for the skirt to keep its distance from."""
    count = round(width / line_width)
    if count <= 0 or not first_layer:
        return []
    outers = union([piece[0] for piece in islands(first_layer)])
    return difference(offset(outers, count * line_width, round_joins=True), outers)


def skirt_loops(first_layer: Paths, *, loops: int, distance: float, line_width: float) -> list[np.ndarray]:
    """Centre-line rings ((n, 2) mm) of the skirt, outermost first, the innermost `distance` mm from the
    part (and its brim, when the caller includes the brim in first_layer).

    The skirt follows the convex hull of the first layer: one smooth loop around everything, with no
    detours into the part's notches, where a loop would only pick up stringing.
    """
    if loops <= 0 or not first_layer:
        return []
    hull = shapely.convex_hull(shapely.multipoints(np.concatenate(to_mm(first_layer))))
    if not isinstance(hull, shapely.Polygon):  # the whole layer is a line or a point
        hull = hull.buffer(line_width / 2.0)
    boundary = union(to_units([np.asarray(hull.exterior.coords)[:-1]]))
    rings: list[np.ndarray] = []
    for k in reversed(range(loops)):
        rings.extend(to_mm(offset(boundary, distance + (k + 0.5) * line_width, round_joins=True)))
    return rings
