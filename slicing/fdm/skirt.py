"""Skirt: loops around the first layer that prime the nozzle before the part starts."""

from __future__ import annotations

import numpy as np
import shapely

from slicing.fdm.polygons import Paths, offset, to_mm, to_units, union


def skirt_loops(first_layer: Paths, *, loops: int, distance: float, line_width: float) -> list[np.ndarray]:
    """Centre-line rings ((n, 2) mm) of the skirt, outermost first, the innermost `distance` mm from the
    part.

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
