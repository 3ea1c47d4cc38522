"""Support material: columns of sparse lines under overhangs steeper than a threshold.

An area of a layer overhangs where it reaches further out than the layer below by more than
layer height × tan(threshold) (the threshold is measured from vertical: 45° lets each layer reach out by
its own height). Each overhang is held up by a column that starts `z gap` below it and runs down until it
meets the part (or, with buildplate_only, is dropped wherever any part lies underneath). Columns keep
`xy gap` away from the part's sides, so the support breaks off cleanly. The top layers of each column, right
under the part, are its interface: dense lines across the sparse ones, so the part's underside prints flat.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from slicing.errors import SlicingError
from slicing.fdm.polygons import Paths, difference, intersection, offset, opening, union
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
    blocked: Sequence[bool] = (),
    on_layer: Callable[[int, int], None] | None = None,
) -> list[Paths]:
    """The support region of every layer (fixed-point Paths), bottom first; empty lists where none.

    sections: each layer's cross-section; heights: each layer's height in mm; angle_deg: overhangs
    steeper than this from vertical get support; z_gap, xy_gap in mm; blocked: per layer, whether its
    overhangs are left without support (support blockers; none when empty). on_layer(done, total) is called as
    the layers are worked through (progress, and the point where a cancel takes effect).
    """
    count = len(sections)
    overhangs: list[Paths] = [[] for _ in range(count)]
    for index in range(1, count):
        if not sections[index] or (blocked and blocked[index]):
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


def support_interfaces(areas: Sequence[Paths], *, layers: int, line_width: float) -> list[Paths]:
    """The interface part of every layer's support area (fixed-point Paths): where some layer within
    `layers` above has no support, so the column ends there (layers above the last count as empty).
    Strips narrower than a line stay sparse support."""
    count = len(areas)
    result: list[Paths] = [[] for _ in range(count)]
    if layers <= 0:
        return result
    for index, area in enumerate(areas):
        if not area:
            continue
        above = range(index + 1, index + layers + 1)
        if above[-1] >= count or not all(areas[j] for j in above):
            result[index] = area
            continue
        carried = areas[above[0]]
        for j in above[1:]:
            carried = intersection(carried, areas[j])
        result[index] = opening(difference(area, carried), line_width / 2.0)
    return result


def support_interface_lines(area: Paths, *, spacing: float, line_width: float) -> np.ndarray:
    """Interface lines ((m, 2, 2) mm) in the area: across the support lines (along Y), `spacing` mm apart
    edge to edge (0: side by side, solid), on a grid fixed to the bed."""
    inner = offset(area, -line_width / 2.0)
    return hatch(inner, spacing=line_width + spacing, angle_deg=90.0, min_length=line_width, align_to_area=False)


def support_toolpaths(
    areas: Sequence[Paths],
    *,
    widths: Sequence[float],
    spacing: float,
    interface_layers: int,
    interface_spacing: float,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The sparse support lines and the interface lines ((m, 2, 2) mm each) of every layer, from the
    support areas; widths: each layer's support line width in mm; spacing: between sparse lines (mm);
    interface_layers and interface_spacing: see support_interfaces and support_interface_lines."""
    interfaces = support_interfaces(areas, layers=interface_layers, line_width=max(widths, default=0.0))
    sparse, dense = [], []
    for area, interface, width in zip(areas, interfaces, widths, strict=True):
        sparse.append(support_lines(difference(area, interface) if interface else area, spacing=spacing,
                                    line_width=width))
        dense.append(support_interface_lines(interface, spacing=interface_spacing, line_width=width))
    return sparse, dense


_RANGE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*-\s*(\d+(?:\.\d*)?)\s*$")


def blocked_layers(text: str, top_z: Sequence[float]) -> list[bool]:
    """Per layer (top_z in mm), whether it lies in one of the height ranges of `text` ("0-5,12.5-20", mm
    from the bed, ends included). Raises SlicingError naming what cannot be read."""
    ranges = []
    for part in filter(str.strip, text.split(",")):
        match = _RANGE.match(part)
        if match is None or float(match.group(1)) > float(match.group(2)):
            raise SlicingError(f"support_material_blocker_z: {part.strip()!r} is not a height range such as "
                               "12.5-20 (mm, lower first): write ranges like 0-5,12.5-20")
        ranges.append((float(match.group(1)), float(match.group(2))))
    return [any(low <= z <= high for low, high in ranges) for z in top_z]
