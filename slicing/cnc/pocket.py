"""Pockets by offset clearing: rings offset inwards from the walls (and outwards from islands) one stepover
apart, cut from the middle out, each depth in turn; the tool stays down between rings where the link runs
through what is already cleared.

What a pocket leaves: the region opened by the tool radius, so inside corners keep the tool's radius (a
rectangular pocket loses (4 - pi) r² of its area); walls are cut in the climb direction unless asked. A
smaller rest tool then clears what the first tool left (rest machining): the corners and the parts narrower
than it, so the big tool does the bulk and the small one only what it alone reaches.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely

from slicing.cnc import rings as ring_tools
from slicing.cnc.tooling import CuttingData, Tool
from slicing.cnc.toolpath import Toolpath, closed, pass_depths, smoothed
from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

# A link between rings may graze the cleared area's edge by this much (numerical slack of the offsets).
_LINK_SLACK_MM = 0.01
# What a first tool leaves thinner than this (mm) is the offsets' rounding of curved walls (or a blunt corner's
# hair), not material worth a rest pass.
_REST_HAIR_MM = 0.05
# The rest tool clears this many of its diameters around what the first tool left, so it enters and leaves
# through cleared space rather than plunging into a corner.
_REST_REACH_DIAMETERS = 1.0


def pocket(region: Paths, depth_mm: float, tool: Tool, cutting: CuttingData, *, climb: bool = True,
           ramp_angle_deg: float = 5.0, name: str = "pocket") -> Toolpath:
    """Clear `region` (walls as outer rings, islands as holes; fixed-point units) to depth_mm."""
    if depth_mm > tool.flute_length_mm:
        raise SlicingError(f"{name}: {depth_mm:g} mm is deeper than the {tool.name}'s flutes reach")
    for piece in polygons.islands(region):
        if not polygons.offset(piece, -tool.radius_mm, round_joins=True):
            x, y = polygons.to_mm(piece[:1])[0].mean(axis=0)
            raise SlicingError(f"{name}: the {tool.diameter_mm:g} mm tool does not fit in the pocket at ({x:.1f}, "
                               f"{y:.1f}) mm: choose a tool smaller than its narrowest part")
    region = smoothed(region)
    levels = _clearing_rings(region, tool, cutting.stepover_mm)
    centre_area = shapely.MultiPolygon(_polygons(polygons.offset(region, -tool.radius_mm, round_joins=True)))
    allowed = centre_area.buffer(_LINK_SLACK_MM)
    rings = [ring if climb else ring[::-1] for level in reversed(levels) for ring in level]
    passes: list[np.ndarray] = []
    above = 0.0
    for z in pass_depths(depth_mm, cutting.step_down_mm):
        level = _linked_passes(rings, float(z), above, allowed, tool, ramp_angle_deg)
        if passes and allowed.covers(shapely.LineString([passes[-1][-1, :2], level[0][0, :2]])):
            # The next depth starts within reach through what is cleared: down from there, without a lift.
            passes[-1] = np.vstack([passes[-1], level[0]])
            level = level[1:]
        passes += level
        above = float(z)
    return Toolpath(name=name, kind="pocket", tool=tool, cutting=cutting, passes=tuple(passes), depth_mm=depth_mm)


def rest_pocket(region: Paths, depth_mm: float, first_tool: Tool, tool: Tool, cutting: CuttingData, *,
                climb: bool = True, ramp_angle_deg: float = 5.0, name: str = "rest") -> Toolpath | None:
    """Clear with `tool` what a pocket of `region` cleared by the bigger `first_tool` left (its inside corners
    and whatever is narrower than first_tool), as far as `tool` reaches; None when nothing worth a pass is left."""
    left = left_by(region, first_tool)
    if not left:
        return None
    around = polygons.intersection(region, polygons.offset(left, _REST_REACH_DIAMETERS * tool.diameter_mm,
                                                           round_joins=True))
    # Left-overs narrower than this tool too stay: the check names them, the simulation shows them.
    reachable = [piece for piece in polygons.islands(around)
                 if polygons.offset(piece, -tool.radius_mm, round_joins=True)]
    if not reachable:
        return None
    # Each corner is finished to depth before the tool goes to the nearest one left: one plunge a corner.
    corners = [pocket(piece, depth_mm, tool, cutting, climb=climb, ramp_angle_deg=ramp_angle_deg, name=name)
               for piece in _nearest_first(reachable)]
    return replace(corners[0], passes=tuple(path for corner in corners for path in corner.passes))


def _nearest_first(pieces: list[Paths]) -> list[Paths]:
    """The pieces in the order a tool visits them going each time to the nearest one left (by their outer
    rings' middles), from the one nearest the sheet's origin."""
    middles = [polygons.to_mm(piece[:1])[0].mean(axis=0) for piece in pieces]
    left = list(range(len(pieces)))
    order: list[int] = []
    here = np.zeros(2)
    while left:
        nearest = min(left, key=lambda index: (float(np.hypot(*(middles[index] - here))), index))
        order.append(nearest)
        left.remove(nearest)
        here = middles[nearest]
    return [pieces[index] for index in order]


def left_by(region: Paths, tool: Tool) -> Paths:
    """What a pocket of `region` cleared by `tool` leaves standing: the region less its opening by the tool's
    radius (inside corners, and parts narrower than the tool)."""
    opened = polygons.offset(polygons.offset(region, -tool.radius_mm, round_joins=True), tool.radius_mm,
                             round_joins=True)
    left = polygons.difference(region, opened)
    return polygons.offset(polygons.offset(left, -_REST_HAIR_MM), _REST_HAIR_MM)


def _clearing_rings(region: Paths, tool: Tool, stepover_mm: float) -> list[list[np.ndarray]]:
    """Rings of each offset level, outermost level first; each ring closed, in Clipper's orientation."""
    levels = []
    distance = tool.radius_mm
    while True:
        offset = polygons.union(polygons.offset(region, -distance, round_joins=True))
        if not offset:
            return levels
        levels.append([closed(ring) for ring in polygons.to_mm(offset)])
        distance += stepover_mm


def _linked_passes(rings: list[np.ndarray], z: float, above: float, allowed: shapely.Geometry, tool: Tool,
                   ramp_angle_deg: float) -> list[np.ndarray]:
    """The rings at one depth joined into as few passes as the cleared area allows."""
    passes: list[list[np.ndarray]] = []
    here: np.ndarray | None = None
    for ring in rings:
        if here is not None:
            nearest = int(np.argmin(np.linalg.norm(ring[:-1] - here, axis=1)))
            ring = closed(np.roll(ring[:-1], -nearest, axis=0))
        level = ring_tools.lift_spans(ring, [], z, z)
        if here is not None and allowed.covers(shapely.LineString([here, ring[0]])):
            passes[-1].append(level)
        else:
            entry = level if tool.centre_cutting else ring_tools.ramped(ring, above, z, level, ramp_angle_deg)
            passes.append([np.array([[*ring[0], above]]), entry])
        here = ring[-1]
    return [np.vstack(parts) for parts in passes]


def _polygons(paths: Paths) -> list[shapely.Polygon]:
    """A polygon set as shapely polygons (each outer ring with its holes)."""
    result = []
    for piece in polygons.islands(paths):
        outer, *holes = polygons.to_mm(piece)
        result.append(shapely.Polygon(outer, holes))
    return result
