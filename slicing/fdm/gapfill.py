"""Gap fill and thin walls: one line down the middle of every strip too narrow for a perimeter loop.

The middle of a strip is its medial axis, approximated by its chordal axis: the boundary is sampled
densely and the strip triangulated (constrained Delaunay, by GEOS); inside a narrow strip every
triangle spans from one side to the other, and joining the middles of its edges that cross the strip
traces the line down the middle.
Each line is as wide as the strip is there (twice its distance from the edges), so a wall a little wider
than one line gets one line of its own width instead of a loop folded onto itself.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely

from slicing.fdm.polygons import UNITS_PER_MM, Paths, islands

# Boundary points are this fraction of a line width apart: fine enough for the axis to follow bends.
_SAMPLE_FRACTION = 1.0
_CACHE_SIZE = 256


def gap_fill_lines(gap: Paths, *, line_width: float, max_width: float) -> list[tuple[np.ndarray, float]]:
    """Centre-lines ((n, 2) mm) of the strips in `gap` with the width (mm) each should be printed at.

    Widths are capped at max_width; lines shorter than one line width are dropped.
    """
    if not gap:
        return []
    key = tuple((ring.shape[0], ring.tobytes()) for ring in gap)
    return list(_cached(key, line_width, max_width))


@lru_cache(maxsize=_CACHE_SIZE)
def _cached(
    key: tuple[tuple[int, bytes], ...], line_width: float, max_width: float
) -> tuple[tuple[np.ndarray, float], ...]:
    # Prismatic parts repeat the same gaps layer after layer: the axis is worked out once.
    gap = [np.frombuffer(data, dtype=np.int64).reshape(count, 2) for count, data in key]
    polygons = []
    for piece in islands(gap):
        rings = [ring / UNITS_PER_MM for ring in piece]
        polygon = shapely.Polygon(rings[0], rings[1:])
        if polygon.is_valid and polygon.area >= line_width * line_width * 0.5:
            polygons.append(polygon)
    if not polygons:
        return ()
    return tuple(_medial_lines(shapely.MultiPolygon(polygons), line_width, max_width))


def _medial_lines(region: shapely.Geometry, line_width: float, max_width: float) -> list[tuple[np.ndarray, float]]:
    """Chordal axes of all pieces of `region` at once (one triangulation for all of them)."""
    step = line_width * _SAMPLE_FRACTION
    region = shapely.segmentize(region, step)
    rings = []
    for polygon in shapely.get_parts(region):
        rings += [polygon.exterior, *polygon.interiors]
    samples = [shapely.get_coordinates(ring)[:-1] for ring in rings]
    ring_sizes = np.array([len(part) for part in samples])
    points = np.concatenate(samples)
    ring_of = np.repeat(np.arange(len(samples)), ring_sizes)
    order = np.concatenate([np.arange(size) for size in ring_sizes])
    triangles = _triangles_inside(region, points)
    if not len(triangles):
        return []
    # Edge (a, b) of each triangle; it runs along the boundary when a and b are neighbouring samples.
    a = triangles[:, [0, 1, 2]]
    b = triangles[:, [1, 2, 0]]
    step_apart = np.abs(order[a] - order[b])
    along = (ring_of[a] == ring_of[b]) & ((step_apart == 1) | (step_apart == ring_sizes[ring_of[a]] - 1))
    crossing = ~along
    middles = (points[a] + points[b]) / 2.0  # (t, 3, 2)
    segments = []
    two = crossing.sum(axis=1) == 2
    if two.any():
        segments.append(middles[two][crossing[two]].reshape(-1, 2, 2))
    three = crossing.sum(axis=1) == 3
    if three.any():
        centre = middles[three].mean(axis=1, keepdims=True)
        spokes = np.stack([middles[three], np.broadcast_to(centre, middles[three].shape)], axis=2)
        segments.append(spokes.reshape(-1, 2, 2))
    if not segments:
        return []
    merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(list(np.concatenate(segments)))))
    merged = shapely.simplify(merged, line_width * 0.02)
    merged = merged[shapely.length(merged) >= line_width]
    if not len(merged):
        return []
    # Each line is as wide as the strip around it: twice the median distance to its edges.
    probes, owner = shapely.get_coordinates(shapely.segmentize(merged, step), return_index=True)
    half = shapely.distance(shapely.boundary(region), shapely.points(probes))
    widths = np.minimum(2.0 * _group_medians(half, owner, len(merged)), max_width).tolist()
    result = [(shapely.get_coordinates(line), width) for line, width in zip(merged, widths, strict=True)]
    result.sort(key=lambda item: (round(float(item[0][0, 0]), 6), round(float(item[0][0, 1]), 6)))
    return result


def _triangles_inside(region: shapely.Geometry, points: np.ndarray) -> np.ndarray:
    """(t, 3) indices into `points` (the region's ring vertices) of the constrained Delaunay triangles that
    fill the region; GEOS gives the triangles as coordinates, which are the ring vertices exactly."""
    corners = shapely.get_coordinates(shapely.get_parts(shapely.constrained_delaunay_triangles(region)))
    if not len(corners):
        return np.zeros((0, 3), dtype=np.int64)
    corners = corners.reshape(-1, 4, 2)[:, :3].reshape(-1, 2)
    # Points as complex numbers sort by x, then y: one searchsorted finds every corner among them.
    keys = points[:, 0] + 1j * points[:, 1]
    order = np.argsort(keys, kind="stable")
    wanted = corners[:, 0] + 1j * corners[:, 1]
    found = np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)
    if not np.array_equal(keys[order][found], wanted):  # a corner that is no ring vertex: leave this gap empty
        return np.zeros((0, 3), dtype=np.int64)
    return order[found].reshape(-1, 3)


def _group_medians(values: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """The median of values in each of groups 0 .. groups - 1 (each holds at least one value), as np.median
    gives it (the mean of the two middle values of an even count), for all groups with one sort."""
    ordered = values[np.lexsort((values, group))]
    counts = np.bincount(group, minlength=groups)
    firsts = np.cumsum(counts) - counts
    return (ordered[firsts + (counts - 1) // 2] + ordered[firsts + counts // 2]) / 2.0
