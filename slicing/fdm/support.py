"""Support material: columns of sparse lines under overhangs steeper than a threshold.

An area of a layer overhangs where it reaches further out than the layer below by more than
layer height × tan(threshold) (the threshold is measured from vertical: 45° lets each layer reach out by
its own height). Each overhang is held up by a column that starts `z gap` below it and runs down until it
meets the part (or, with buildplate_only, is dropped wherever any part lies underneath). Columns keep
`xy gap` away from the part's sides, so the support breaks off cleanly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from slicing.fdm.polygons import Paths, difference, offset, opening, union
from slicing.fdm.raster import hatch


def support_areas(
    sections: Sequence[Paths],
    heights: Sequence[float],
    *,
    angle_deg: float,
    z_gap: float,
    xy_gap: float,
    line_width: float,
    buildplate_only: bool,
    on_layer: Callable[[int, int], None] | None = None,
) -> list[Paths]:
    """The support region of every layer (fixed-point Paths), bottom first; empty lists where none.

    sections: each layer's cross-section; heights: each layer's height in mm; angle_deg: overhangs
    steeper than this from vertical get support; z_gap, xy_gap in mm. on_layer(done, total) is called as
    the layers are worked through (progress, and the point where a cancel takes effect).
    """
    count = len(sections)
    overhangs: list[Paths] = [[] for _ in range(count)]
    for index in range(1, count):
        if not sections[index]:
            continue
        reach = heights[index] * math.tan(math.radians(min(max(angle_deg, 0.0), 89.0)))
        overhangs[index] = opening(difference(sections[index], offset(sections[index - 1], reach)), line_width / 2.0)
    if not any(overhangs):
        return [[] for _ in range(count)]

    # Layers left empty between the support's top and the overhang it holds up.
    gap_layers = [max(round(z_gap / height), 0) for height in heights]
    column: Paths = []
    result: list[Paths] = [[] for _ in range(count)]
    for index in reversed(range(count)):
        if on_layer is not None:
            on_layer(count - 1 - index, count)
        held = index + 1 + gap_layers[min(index + 1, count - 1)]
        if held < count and overhangs[held]:
            column = union(column + overhangs[held])
        if not column:
            continue
        # A column that meets the part stands on it.
        column = difference(column, sections[index])
        result[index] = column
    if buildplate_only:
        shadow: Paths = []
        for index in range(count):
            shadow = union(shadow + sections[index]) if sections[index] else shadow
            result[index] = difference(result[index], shadow) if result[index] else []
    keep_out = [offset(section, xy_gap) if section else [] for section in sections]
    return [
        opening(difference(area, keep_out[index]), line_width / 2.0) if area else []
        for index, area in enumerate(result)
    ]


def support_lines(area: Paths, *, spacing: float, line_width: float) -> np.ndarray:
    """Straight support lines ((m, 2, 2) mm) in the area, on a grid fixed to the bed so columns
    stack; centre-lines keep half a line width inside the area, so the plastic stays in it."""
    inner = offset(area, -line_width / 2.0)
    return hatch(inner, spacing=spacing, angle_deg=0.0, min_length=line_width, align_to_area=False)
