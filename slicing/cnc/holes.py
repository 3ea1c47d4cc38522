"""Round holes: found among a region's holes, then drilled (a hole the tool's own size) or bored along a
helix (a bigger one), which is faster than profiling them and needs no plunge into solid stock beyond
the tool's centre."""

from __future__ import annotations

import math

import numpy as np

from slicing.cnc.tooling import CuttingData, Tool
from slicing.cnc.toolpath import Toolpath
from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

# A hole ring is round when every vertex lies this close to one circle.
ROUNDNESS_TOLERANCE_MM = 0.02
# A drilled hole may be this much larger than the drill.
DRILL_FIT_MM = 0.05


def round_holes(region: Paths) -> list[tuple[np.ndarray, float, int]]:
    """Holes of a region that are circles: (centre (2,), diameter mm, index of the ring in region)."""
    found = []
    for index, ring in enumerate(polygons.to_mm(region)):
        x, y = ring[:, 0], ring[:, 1]
        if float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) >= 0 or len(ring) < 8:
            continue  # counter-clockwise: an outer boundary, not a hole
        centre = ring.mean(axis=0)
        radii = np.linalg.norm(ring - centre, axis=1)
        if radii.max() - radii.min() <= ROUNDNESS_TOLERANCE_MM:
            found.append((centre, 2.0 * float(radii.mean()), index))
    return found


def drill(centres: list[np.ndarray], depth_mm: float, tool: Tool, cutting: CuttingData, *, peck_mm: float = 0.0,
          name: str = "drill") -> Toolpath:
    """Plunge at each centre to depth_mm, pecking back to the top every peck_mm (0: in one go)."""
    if not tool.centre_cutting:
        raise SlicingError(f"{name}: the {tool.name} does not cut at its centre and cannot drill: choose another")
    levels = np.arange(peck_mm, depth_mm, peck_mm) if peck_mm > 0 else np.zeros(0)
    passes = []
    for x, y in sorted((float(c[0]), float(c[1])) for c in centres):
        points = [(x, y, 0.0)]
        for level in levels:
            points += [(x, y, -float(level)), (x, y, 0.0)]
        points.append((x, y, -depth_mm))
        passes.append(np.array(points))
    holes = tuple(sorted((float(c[0]), float(c[1])) for c in centres))
    return Toolpath(name=name, kind="drill", tool=tool, cutting=cutting, passes=tuple(passes), depth_mm=depth_mm,
                    holes=holes, peck_mm=peck_mm)


def helical_bore(centre: np.ndarray, diameter_mm: float, depth_mm: float, tool: Tool, cutting: CuttingData, *,
                 climb: bool = True, name: str = "bore") -> Toolpath:
    """Spiral down a round hole at most one step-down per turn, then go once round at the bottom."""
    radius = (diameter_mm - tool.diameter_mm) / 2.0
    if radius <= 0:
        raise SlicingError(f"{name}: a {diameter_mm:g} mm hole is not bigger than the {tool.diameter_mm:g} mm "
                           "tool: drill it or choose a smaller tool")
    turns = max(1, math.ceil(depth_mm / cutting.step_down_mm))
    # Chords of the helix stray at most 0.005 mm from the circle.
    per_turn = max(16, math.ceil(math.pi / math.acos(max(0.0, 1.0 - 0.005 / radius))))
    angles = np.linspace(0.0, 2.0 * math.pi * (turns + 1), per_turn * (turns + 1) + 1)
    # Climb milling inside a hole runs counter-clockwise (spindle turning clockwise).
    angles = angles if climb else -angles
    z = -np.minimum(np.abs(angles) / (2.0 * math.pi * turns), 1.0) * depth_mm
    points = np.column_stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles), z])
    start = np.array([[*points[0, :2], 0.0]])
    return Toolpath(name=name, kind="pocket", tool=tool, cutting=cutting, passes=(np.vstack([start, points]),),
                    depth_mm=depth_mm)
