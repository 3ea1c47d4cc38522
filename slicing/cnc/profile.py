"""Profile cuts: the tool follows a region's boundary outside, inside or on the line, in step-downs, with an
optional finishing pass, holding tabs on through cuts, and ramped entry for tools that must not plunge.

Direction: with the spindle turning clockwise (M3), climb milling keeps the material that stays on the
tool's right, so an outside profile runs clockwise around the part; conventional milling runs the other way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from slicing.cnc import rings as ring_tools
from slicing.cnc.arcs import ARC_TOLERANCE_MM, MIN_ARC_SEGMENTS
from slicing.cnc.tooling import CuttingData, Tool
from slicing.cnc.toolpath import OUTLINE_TOLERANCE_MM, Tab, Toolpath, closed, pass_depths, smoothed
from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

SIDES = ("outside", "inside", "on")
DIRECTIONS = ("climb", "conventional")
LEAD_STYLES = ("line", "arc")
# Straight edges shorter than a tab plus this many tool diameters are corners, not places for a tab.
_TAB_EDGE_MARGIN_DIAMETERS = 1.0
# Vertices that move the ring less than this are merged when looking for straight edges.
_STRAIGHT_TOLERANCE_MM = 0.01
# An arc lead's chords turn at most this much, so its last one meets the path within half of it.
_LEAD_ARC_STEP_DEG = 1.5


@dataclass(frozen=True)
class ProfileOptions:
    """side: where the tool centre runs relative to the region; depth_mm: how deep (a through cut adds
    breakthrough_mm into the spoil board); finishing_allowance_mm: material the roughing passes leave for
    one full-depth finishing pass; lead_mm: a lead-in and lead-out that long on the waste side, so the tool
    plunges and leaves off the part's edge; lead_style: "line" (straight, square to the path) or "arc" (a
    quarter circle of radius lead_mm tangent to the path, so the tool joins and leaves the edge without a
    dwell mark); tab_count / tab_width_mm / tab_height_mm: bridges on each outer boundary of a through cut
    (tab_points: (x, y) where to put them by hand, each on the outer boundary nearest to it; a boundary with
    none of them gets tab_count placed automatically); ramp_angle_deg: the descent of a ramped entry,
    used for tools that do not cut at their centre."""

    depth_mm: float
    side: str = "outside"
    direction: str = "climb"
    through: bool = False
    breakthrough_mm: float = 0.2
    finishing_allowance_mm: float = 0.0
    tab_count: int = 0
    tab_width_mm: float = 6.0
    tab_height_mm: float = 2.0
    tab_points: tuple[tuple[float, float], ...] = ()
    ramp_angle_deg: float = 5.0
    lead_mm: float = 0.0
    lead_style: str = "line"

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise SlicingError(f"profile side {self.side!r} is not one of {', '.join(SIDES)}")
        if self.direction not in DIRECTIONS:
            raise SlicingError(f"cut direction {self.direction!r} is not one of {', '.join(DIRECTIONS)}")
        if self.lead_style not in LEAD_STYLES:
            raise SlicingError(f"lead style {self.lead_style!r} is not one of {', '.join(LEAD_STYLES)}")
        if self.depth_mm <= 0 or self.finishing_allowance_mm < 0 or self.tab_count < 0:
            raise SlicingError("profile depth must be above zero; allowance and tab count zero or more")
        if (self.tab_count or self.tab_points) and not 0 < self.tab_height_mm < self.depth_mm:
            raise SlicingError(f"tab height {self.tab_height_mm} mm must be above zero and under the depth")
        if not 0.5 <= self.ramp_angle_deg <= 45.0:
            raise SlicingError("ramp_angle_deg must be between 0.5 and 45 degrees")


def profile(region: Paths, tool: Tool, cutting: CuttingData, options: ProfileOptions,
            name: str = "profile") -> Toolpath:
    """Cut along the boundary of `region` (a polygon set in fixed-point units)."""
    if options.depth_mm > tool.flute_length_mm and not options.through:
        raise SlicingError(f"{name}: {options.depth_mm:g} mm is deeper than the {tool.name}'s flutes reach "
                           f"({tool.flute_length_mm:g} mm): choose a longer tool")
    depth = options.depth_mm + (options.breakthrough_mm if options.through else 0.0)
    if depth > tool.flute_length_mm:
        raise SlicingError(f"{name}: cutting {depth:g} mm deep needs flutes that long; the {tool.name} has "
                           f"{tool.flute_length_mm:g} mm: choose a longer tool or a thinner sheet")
    if options.side == "outside":
        _refuse_holes_too_small(region, tool, name)
    finish = _centre_rings(region, tool, options, 0.0)
    if not finish:
        raise SlicingError(f"{name}: the {tool.diameter_mm:g} mm tool does not fit inside the contour: "
                           "choose a smaller tool")
    tab_top = -options.depth_mm + options.tab_height_mm
    wants_tabs = options.through and (options.tab_count or options.tab_points)
    by_hand = _hand_tab_points(finish, options.tab_points)
    tab_spans = [_tab_spans(ring, tool, options, points) if wants_tabs and outer else []
                 for (ring, outer), points in zip(finish, by_hand, strict=True)]
    depths = pass_depths(depth, cutting.step_down_mm)
    passes: list[np.ndarray] = []
    tabs: list[Tab] = []
    if options.finishing_allowance_mm > 0:
        # The roughing rings leave the same tabs (at the points nearest the finishing ring's), or their
        # full-depth cut would free the piece before the finishing pass steps over its tabs.
        rough = _centre_rings(region, tool, options, options.finishing_allowance_mm)
        tab_middles = [tuple(ring_tools.point_at(ring[:, :2], np.array([(a + b) / 2]))[0])
                       for (ring, _), spans in zip(finish, tab_spans, strict=True) for a, b in spans]
        for (ring, outer), points in zip(rough, _hand_tab_points(rough, tuple(tab_middles)), strict=True):
            spans = _tab_spans(ring, tool, options, points) if outer and points else []
            start = _start_between_tabs(ring, spans)
            ring = ring_tools.start_at(ring, start)
            shifted = _shift_spans(spans, start, ring_tools.arc_lengths(ring)[-1])
            passes.append(_ring_passes(ring, depths, shifted, tab_top, tool, options, None))
        depths = depths[-1:]
    wants_lead = options.lead_mm > 0 and tool.centre_cutting
    for (ring, _), spans in zip(finish, tab_spans, strict=True):
        start = _start_between_tabs(ring, spans)
        if wants_lead and options.lead_style == "arc" and not spans:
            # A tangent arc needs the path straight where it joins, and a ring may begin at a sharp corner.
            start = _middle_of_longest_edge(ring)
        ring = ring_tools.start_at(ring, start)
        shifted = _shift_spans(spans, start, ring_tools.arc_lengths(ring)[-1])
        lead = _lead(ring, region, tool, options) if wants_lead else None
        passes.append(_ring_passes(ring, depths, shifted, tab_top, tool, options, lead))
        tabs += [Tab(_stretch(ring, a, b), tab_top) for a, b in shifted]
    return Toolpath(name=name, kind="profile", tool=tool, cutting=cutting, passes=tuple(passes),
                    depth_mm=depth, tabs=tuple(tabs))


def _refuse_holes_too_small(region: Paths, tool: Tool, name: str) -> None:
    """A hole the tool cannot enter would silently vanish from the offset path: say so instead."""
    for ring in region:
        if _signed_area(ring) < 0 and not polygons.offset([ring[::-1]], -tool.radius_mm):
            x, y = polygons.to_mm([ring])[0].mean(axis=0)
            raise SlicingError(f"{name}: the hole at ({x:.1f}, {y:.1f}) mm is narrower than the {tool.diameter_mm:g} "
                               "mm tool: choose a smaller tool or make the hole bigger")


def _centre_rings(region: Paths, tool: Tool, options: ProfileOptions,
                  allowance_mm: float) -> list[tuple[np.ndarray, bool]]:
    """Closed 2D rings ((n + 1, 2) mm) the tool centre follows, in cutting direction and canonical order,
    each with whether it goes round the outside of a piece of the region (where tabs hold the piece)."""
    distance = {"outside": 1.0, "inside": -1.0, "on": 0.0}[options.side] * (tool.radius_mm + allowance_mm)
    region = smoothed(region)
    offset = polygons.offset(region, distance, round_joins=True) if distance else list(region)
    rings = polygons.to_mm(polygons.union(offset))
    # Clipper leaves the material of `region` on each ring's left. Climb keeps the kept material on the
    # right: for an outside cut the region is the part (reverse), for an inside cut it is waste (keep).
    reverse = (options.direction == "climb") == (options.side != "inside")
    return [(closed(ring[::-1] if reverse else ring), _signed_area(ring) > 0) for ring in rings]


def _signed_area(ring: np.ndarray) -> float:
    """Positive for a counter-clockwise ring (an outer boundary as Clipper gives it)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _hand_tab_points(rings: list[tuple[np.ndarray, bool]], points: tuple[tuple[float, float], ...]
                     ) -> list[list[np.ndarray]]:
    """The tab points placed by hand that go on each ring: each on the outer ring nearest to it."""
    chosen: list[list[np.ndarray]] = [[] for _ in rings]
    outer = [index for index, (_, is_outer) in enumerate(rings) if is_outer]
    lines = [shapely.LineString(rings[index][0]) for index in outer]
    for point in points:
        nearest = outer[int(np.argmin(shapely.distance(lines, shapely.Point(point))))] if outer else None
        if nearest is not None:
            chosen[nearest].append(np.asarray(point, dtype=np.float64))
    return chosen


def _tab_spans(ring: np.ndarray, tool: Tool, options: ProfileOptions, points: list[np.ndarray]
               ) -> list[tuple[float, float]]:
    """Arc-length spans of the tabs on one centre ring, at the points placed by hand or else placed
    automatically: the tab's own width plus the tool's diameter, as the tool edge reaches half a diameter
    either side of its centre."""
    length = ring_tools.arc_lengths(ring)[-1]
    span = options.tab_width_mm + tool.diameter_mm
    if points:
        centres = [ring_tools.project(ring, point) for point in points]
    else:
        centres = _auto_tab_centres(ring, options.tab_count, span + _TAB_EDGE_MARGIN_DIAMETERS * tool.diameter_mm)
    centres = sorted(c % length for c in centres)
    if span * len(centres) > length / 2:
        raise SlicingError(f"{len(centres)} tabs of {options.tab_width_mm:g} mm take over half of a "
                           f"{length:.0f} mm outline: use fewer or narrower tabs")
    return [(c - span / 2, c + span / 2) for c in centres]


def _auto_tab_centres(ring: np.ndarray, count: int, min_edge_mm: float) -> list[float]:
    """Tabs at the middles of the longest straight edges on the outside of the piece (its convex hull), away
    from corners and never inside a slot; on an outline without enough such edges (a circle, a curve), evenly
    spaced along it."""
    simple = shapely.get_coordinates(shapely.simplify(shapely.LineString(ring), _STRAIGHT_TOLERANCE_MM))
    lengths = np.linalg.norm(np.diff(simple, axis=0), axis=1)
    middles = (simple[:-1] + simple[1:]) / 2
    hull = shapely.Polygon(ring).convex_hull.exterior
    on_hull = shapely.distance(hull, shapely.points(middles)) <= _STRAIGHT_TOLERANCE_MM
    long_edges = [i for i in np.argsort(-lengths, kind="stable") if lengths[i] >= min_edge_mm and on_hull[i]][:count]
    if len(long_edges) == count:
        return [ring_tools.project(ring, middles[i]) for i in sorted(long_edges)]
    total = ring_tools.arc_lengths(ring)[-1]
    return list((np.arange(count) + 0.5) * total / count)


def _start_between_tabs(ring: np.ndarray, spans: list[tuple[float, float]]) -> float:
    """Start the cut in the middle of the longest stretch between tabs, so no tab straddles the start."""
    if not spans:
        return 0.0
    length = ring_tools.arc_lengths(ring)[-1]
    centres = np.array([(a + b) / 2 for a, b in spans])
    gaps = np.diff(np.append(centres, centres[0] + length))
    widest = int(np.argmax(gaps))
    return float(centres[widest] + gaps[widest] / 2)


def _stretch(ring: np.ndarray, start_mm: float, end_mm: float) -> np.ndarray:
    """The part of a closed ring between two arc lengths, as (n, 2) points."""
    s = ring_tools.arc_lengths(ring)
    knots = np.concatenate([[start_mm], s[(s > start_mm) & (s < end_mm)], [end_mm]])
    return ring_tools.point_at(ring[:, :2], knots)


def _shift_spans(spans: list[tuple[float, float]], start: float, length: float) -> list[tuple[float, float]]:
    return sorted(((a - start) % length, (a - start) % length + (b - a)) for a, b in spans)


def _middle_of_longest_edge(ring: np.ndarray) -> float:
    """Arc length of the middle of a closed ring's longest edge."""
    lengths = np.linalg.norm(np.diff(ring, axis=0), axis=1)
    longest = int(np.argmax(lengths))
    return float(ring_tools.arc_lengths(ring)[longest] + lengths[longest] / 2)


@dataclass(frozen=True)
class _Lead:
    """How the tool joins and leaves one ring, as (n, 2) polylines in mm: entry from the plunge point up to
    (not including) the ring's start; leave from after the ring's end to where the tool stops; back from
    there through the waste to the plunge point, between depths (empty when leave ends there)."""

    entry: np.ndarray
    leave: np.ndarray
    back: np.ndarray


def _lead(ring: np.ndarray, region: Paths, tool: Tool, options: ProfileOptions) -> _Lead | None:
    """The lead of the options' style at the ring's start, if the tool following it stays clear of the part
    (a small hole may have no room: then the tool plunges on the path)."""
    if options.side == "on":
        return None
    shape = shapely.MultiPolygon([shapely.Polygon(piece[0], piece[1:])
                                  for piece in (polygons.to_mm(p) for p in polygons.islands(region))])
    if options.lead_style == "arc":
        return _arc_lead(ring, shape, tool, options)
    point = _lead_point(ring, shape, tool, options)
    return None if point is None else _Lead(point[None], point[None], np.empty((0, 2)))


def _lead_point(ring: np.ndarray, shape: shapely.MultiPolygon, tool: Tool,
                options: ProfileOptions) -> np.ndarray | None:
    """Where a straight lead-in starts: lead_mm square off the ring's start on the waste side, if the tool
    there stays clear of the part."""
    direction = ring[1] - ring[0]
    direction = direction / np.linalg.norm(direction)
    left = np.array([-direction[1], direction[0]])
    # Climb keeps the material on the tool's right, so the waste is on its left.
    point = ring[0] + (left if options.direction == "climb" else -left) * options.lead_mm
    inside = shape.contains(shapely.Point(point))
    clear = shapely.distance(shape.boundary, shapely.Point(point)) >= tool.radius_mm - 1e-6
    return point if clear and inside == (options.side == "inside") else None


def _arc_lead(ring: np.ndarray, shape: shapely.MultiPolygon, tool: Tool, options: ProfileOptions) -> _Lead | None:
    """Quarter circles of radius lead_mm on the waste side, tangent to the ring where it starts and where it
    ends, if the tool on them, and on the straight way back between them, stays clear of the part. Each
    turns towards the waste, so with climb milling (waste on the left) they run counter-clockwise."""
    radius = options.lead_mm
    # Chords close enough to the circle that the post-processors write each quarter as one G2/G3, and short
    # enough that the polyline itself (previews, the simulation) meets the path almost tangentially.
    step = min(2.0 * np.arccos(np.clip(1.0 - ARC_TOLERANCE_MM / 2.0 / radius, -1.0, 1.0)),
               np.radians(_LEAD_ARC_STEP_DEG))
    count = max(MIN_ARC_SEGMENTS, int(np.ceil(np.pi / 2.0 / step)))
    waste = 1.0 if options.direction == "climb" else -1.0
    entry = _tangent_arc(ring[0], ring[1] - ring[0], waste, radius, np.linspace(-np.pi / 2.0, 0.0, count + 1))
    leave = _tangent_arc(ring[0], ring[-1] - ring[-2], waste, radius, np.linspace(0.0, np.pi / 2.0, count + 1))
    lead = _Lead(entry[:-1], leave[1:], entry[:1])
    loop = shapely.LineString(np.vstack([lead.entry, ring[:1], lead.leave, lead.back]))
    # The lead touches the path at the join, and the path runs up to OUTLINE_TOLERANCE_MM nearer the part
    # than the tool's radius where the outline was smoothed.
    clear = shapely.distance(shape.boundary, loop) >= tool.radius_mm - OUTLINE_TOLERANCE_MM
    inside = shape.contains(shapely.Point(lead.entry[0]))
    return lead if clear and inside == (options.side == "inside") else None


def _tangent_arc(point: np.ndarray, direction: np.ndarray, side: float, radius_mm: float,
                 angles: np.ndarray) -> np.ndarray:
    """Points ((n, 2) mm) on the circle of radius_mm tangent at `point` to `direction`, centred to its left
    (side 1) or right (side -1), at the given angles turned round the centre from `point`, forwards along
    `direction` for positive angles."""
    along = direction / np.linalg.norm(direction)
    to_centre = side * np.array([-along[1], along[0]])
    return point + radius_mm * (np.outer(1.0 - np.cos(angles), to_centre) + np.outer(np.sin(angles), along))


def _ring_passes(ring: np.ndarray, depths: np.ndarray, spans: list[tuple[float, float]], tab_top: float,
                 tool: Tool, options: ProfileOptions, lead: _Lead | None) -> np.ndarray:
    """All depth passes round one ring as one continuous polyline, from the stock top down; with a lead,
    each depth is entered along it from its plunge point, and the tool leaves along it at the depth just cut
    and goes back through the waste to plunge to the next; it leaves the last depth the same way."""
    points = [_at(ring[:1] if lead is None else lead.entry[:1], 0.0)]
    above = 0.0
    for index, z in enumerate(depths):
        level = ring_tools.lift_spans(ring, spans if z < tab_top else [], float(z), tab_top)
        if lead is not None:
            between = np.vstack([lead.leave, lead.back]) if index else lead.entry[:1]
            points += [_at(between, above), _at(lead.entry, z), _at(ring[:1], z), level]
        elif tool.centre_cutting:
            points.append(level)
        else:
            points.append(ring_tools.ramped(ring, above, float(z), level, options.ramp_angle_deg))
        above = float(z)
    if lead is not None:
        points.append(_at(lead.leave, above))
    return np.vstack(points)


def _at(xy: np.ndarray, z_mm: float) -> np.ndarray:
    """(n, 2) points as (n, 3) points at height z_mm."""
    return np.column_stack([xy, np.full(len(xy), z_mm)])
