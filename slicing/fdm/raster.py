"""Parallel lines clipped to an area: the primitive every straight fill pattern is made of."""

from __future__ import annotations

import math

import numpy as np

from slicing.fdm.polygons import Paths, to_mm


def hatch(area: Paths, *, spacing: float, angle_deg: float, min_length: float, align_to_area: bool) -> np.ndarray:
    """Parallel lines `spacing` mm apart at angle_deg to the X axis, clipped to the area.

    Sparse lines sit on a fixed grid through the origin, so every other layer's lines stack on each other.
    Solid lines (align_to_area) start half a spacing from the area's edge, so the area fills evenly.
    Pieces shorter than min_length (mm) are dropped: such a blob of plastic cannot be placed accurately.
    Returns (m, 2, 2) segments in mm, ordered along the lines.
    """
    if not area:
        return np.zeros((0, 2, 2))
    angle = math.radians(angle_deg)
    to_line_frame = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    rings = [ring @ to_line_frame.T for ring in to_mm(area)]
    starts = np.concatenate(rings)
    ends = np.concatenate([np.roll(ring, -1, axis=0) for ring in rings])

    origin = float(starts[:, 1].min()) + spacing / 2.0 if align_to_area else 0.0
    low = np.minimum(starts[:, 1], ends[:, 1])
    high = np.maximum(starts[:, 1], ends[:, 1])
    # Each edge meets the lines with low <= y < high; the half-open rule counts a vertex on a line once,
    # so every line meets the rings an even number of times.
    first = np.ceil((low - origin) / spacing).astype(np.int64)
    count = np.maximum(np.ceil((high - origin) / spacing).astype(np.int64) - first, 0)
    edge = np.repeat(np.arange(len(starts)), count)
    line = first[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
    y = origin + line * spacing
    p, q = starts[edge], ends[edge]
    x = p[:, 0] + (y - p[:, 1]) / (q[:, 1] - p[:, 1]) * (q[:, 0] - p[:, 0])

    # Sorted along each line, crossings alternate between entering and leaving the area.
    order = np.lexsort((x, line))
    x_pairs = x[order].reshape(-1, 2)
    y_pairs = y[order].reshape(-1, 2)
    keep = x_pairs[:, 1] - x_pairs[:, 0] >= min_length
    segments = np.stack([x_pairs[keep], y_pairs[keep]], axis=2)
    return segments @ to_line_frame
