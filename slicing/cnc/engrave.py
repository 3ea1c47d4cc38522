"""Engraving: the tool follows drawn lines at a depth, in step-downs; with a V-bit the line is as wide as
the cone at that depth."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from slicing.cnc.line_order import nearest_order
from slicing.cnc.tooling import CuttingData, Tool
from slicing.cnc.toolpath import Toolpath, pass_depths
from slicing.errors import SlicingError


def engrave_width_mm(tool: Tool, depth_mm: float) -> float:
    """Width of the groove a tool cuts at a depth."""
    if tool.kind == "vbit":
        return min(2.0 * depth_mm * math.tan(math.radians(tool.tip_angle_deg / 2.0)), tool.diameter_mm)
    if tool.kind == "ball" and depth_mm < tool.radius_mm:
        return 2.0 * math.sqrt(tool.radius_mm**2 - (tool.radius_mm - depth_mm) ** 2)
    return tool.diameter_mm


def engrave(lines: Sequence[np.ndarray], depth_mm: float, tool: Tool, cutting: CuttingData,
            name: str = "engrave") -> Toolpath:
    """Follow each (n, 2) polyline at depth_mm, every depth pass of a line before the next line, the lines in
    nearest-next order from the sheet's corner (slicing.cnc.line_order)."""
    if depth_mm <= 0:
        raise SlicingError(f"{name}: the engraving depth must be above zero: set it (e.g. 0.5 mm)")
    passes = []
    for line in nearest_order(lines, np.zeros(2)):
        points = [np.array([[*line[0], 0.0]])]
        for index, z in enumerate(pass_depths(depth_mm, cutting.step_down_mm)):
            # Open lines go back and forth; every other pass runs the line backwards.
            path = line if index % 2 == 0 or np.allclose(line[0], line[-1]) else line[::-1]
            points.append(np.column_stack([path, np.full(len(path), z)]))
        passes.append(np.vstack(points))
    return Toolpath(name=name, kind="engrave", tool=tool, cutting=cutting, passes=tuple(passes), depth_mm=depth_mm)
