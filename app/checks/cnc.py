"""CNC (2.5D milling from above) rules: what a flat end mill of the tool profile cannot cut in the stock.

The part stands as placed (its bottom on the machine bed) and is cut from above. Its floors are the heights
of its upward flat faces and its bottom; just above each floor the cross-section shows what the tool must
clear there. Inside vertical corners tighter than the tool radius (plus the profile's clearance) leave
material the tool cannot reach; a pocket (a hole in the section that starts at that floor) may be deeper
than the flutes or too deep for its width; faces that point down cannot be reached from above; walls may be
too thin for the cutting forces; holes may be narrower than any tool. Everything is in millimetres.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import manifold3d
import numpy as np
import shapely

from app.checks.part import CheckedPart
from app.checks.planar import inscribed_width
from app.checks.regions import face_patches
from app.checks.report import MEASURE_TOLERANCE, CheckReport, Finding, located_faces, located_points
from app.checks.solid import as_solid, rings, signed_area
from app.checks.thickness import wall_thickness

if TYPE_CHECKING:
    from slicing.cnc.tooling import Tool

# Sections are taken this far (mm) above each floor, inside the layer of material the tool clears there.
ABOVE_FLOOR = 1e-3
# A facet counts as flat (a floor, or a face pointing down) when its normal is this close to vertical.
FLAT_NORMAL_Z = 1.0 - 1e-6
# Arcs of the reach test are drawn with this many segments per turn: finer than any mesh's own arcs.
ARC_SEGMENTS = 256
# A section piece is a round hole when its box is square and its area a circle's, both within this share
# (a circle drawn with 32 segments is within 0.7% of the true one).
ROUND_TOLERANCE = 0.02


def check_cnc(mesh: Any, tool: Tool, limits: Mapping[str, float], stock: Sequence[float],
              smallest_tool: float, pocket_tool: Tool | None = None) -> CheckReport:
    """Check a part for 2.5D milling with `tool` (of the CNC library) from `stock` (x, y, z mm), against
    `limits` (resources/checks/cnc.toml: corner_clearance, max_depth_to_width, min_wall_thickness).

    `smallest_tool` is the smallest end mill diameter (mm) at hand, for holes no tool cuts. A V-bit cuts
    inside corners as sharp as its tip, so corners are only checked for flat and ball end mills.

    `pocket_tool`, given by a router job that knows how it cuts, is the tool that clears the pockets (floors
    above the bottom): their holes and depths are measured against it, and their inside corners, which its
    toolpath rounds to its radius by design, are warnings (cnc.pocket_corner) rather than errors. Without
    it, every floor is measured against `tool` and every tight corner is an error.
    """
    part = CheckedPart.of(mesh)
    solid = as_solid(part)
    if solid is None:
        return CheckReport(process="cnc", findings=(Finding(
            rule="cnc.not_a_solid", severity="error",
            message="the mesh is not a closed solid, so what to cut away is not defined: run "
                    "`localfab check --process fdm` to see and repair its holes, then check again"),))
    findings = _stock_findings(part, stock, tool)
    floors = _floor_heights(part)
    clearance = limits["corner_clearance"]
    checked_floors = floors if pocket_tool is None else floors[:1]
    if tool.kind != "vbit":
        findings += _corner_findings(_unreached_corners(solid, checked_floors, tool, clearance), tool, clearance)
    if pocket_tool is not None and pocket_tool.kind != "vbit" and len(floors) > 1:
        bottom = solid.slice(float(floors[0]) + ABOVE_FLOOR)
        # Corners of through holes met again above a pocket's floor were checked with the profile's tool.
        corners = [c for c in _unreached_corners(solid, floors[1:], pocket_tool, clearance)
                   if _is_material(bottom, np.array(c[:2]))]
        findings += _pocket_corner_findings(corners, pocket_tool)
    findings += _pocket_findings(solid, floors, float(part.bounds[1, 2]), tool, pocket_tool or tool, limits,
                                 smallest_tool)
    findings += _undercut_findings(part)
    findings += _thin_wall_findings(part, limits["min_wall_thickness"])
    return CheckReport(process="cnc", findings=tuple(findings))


def _stock_findings(part: CheckedPart, stock: Sequence[float], tool: Tool) -> list[Finding]:
    findings = []
    size = [float(v) for v in part.extents]
    if any(s > limit + MEASURE_TOLERANCE for s, limit in zip(size, stock, strict=True)):
        findings.append(Finding(
            rule="cnc.fits_stock", severity="error",
            message=f"the part is {size[0]:.1f} x {size[1]:.1f} x {size[2]:.1f} mm but the stock is "
                    f"{stock[0]:g} x {stock[1]:g} x {stock[2]:g} mm: use larger stock or scale the part",
            measured=round(max(size), 3), limit=float(max(stock)), unit="mm",
        ))
    if size[2] > tool.flute_length_mm + MEASURE_TOLERANCE:
        findings.append(Finding(
            rule="cnc.profile_depth", severity="error",
            message=f"cutting the part out means cutting {size[2]:.1f} mm deep, but the tool's flutes are "
                    f"{tool.flute_length_mm:g} mm long: use a longer tool, or machine it from both sides",
            measured=round(size[2], 3), limit=tool.flute_length_mm, unit="mm",
        ))
    return findings


def _floor_heights(part: CheckedPart) -> np.ndarray:
    """The heights (mm) of the part's upward flat faces below its top, and its bottom, lowest first."""
    up = part.face_normals[:, 2] >= FLAT_NORMAL_Z
    low, top = float(part.bounds[0, 2]), float(part.bounds[1, 2])
    heights = np.round(part.triangles_center[up, 2], 4)
    return np.unique(np.concatenate(([low], heights[heights < top - MEASURE_TOLERANCE])))


# How far inside the uncut waste a corner is told, from the part's own corner (mm).
CORNER_INSET_MM = 0.05
# Strips of waste narrower than this (mm) are rounding, not waste a tool leaves.
_HAIR_MM = 0.001
Corner = tuple[float, float, float, float]  # x, y, floor (mm), and the corner's radius (mm)


def _unreached_corners(solid: manifold3d.Manifold, floors: np.ndarray, tool: Tool, clearance: float
                       ) -> list[Corner]:
    """Inside vertical corners the tool cannot reach, in a fixed order: material left when the cut region
    above each floor is opened by the reach (mm: the tool's radius plus the clearance a corner needs), each
    corner where that material reaches deepest (the corner itself), found the same wherever the part lies."""
    reach = tool.radius_mm + clearance
    low, high = np.split(np.asarray(solid.bounding_box()), 2)
    margin = 3.0 * reach + 1.0
    stock = manifold3d.CrossSection.square((high[0] - low[0] + 2 * margin, high[1] - low[1] + 2 * margin)) \
        .translate((low[0] - margin, low[1] - margin))
    near_part = manifold3d.CrossSection.square((high[0] - low[0] + 2 * reach, high[1] - low[1] + 2 * reach)) \
        .translate((low[0] - reach, low[1] - reach))
    corners: list[Corner] = []
    for floor in floors:
        cut = stock - solid.slice(float(floor) + ABOVE_FLOOR)
        # A round hole at least as wide as the tool has no corner: it is drilled, or bored along a helix.
        for hole in cut.decompose():
            if _round_hole_diameter(hole) >= tool.diameter_mm - MEASURE_TOLERANCE:
                cut = cut - hole
        reached = cut.offset(-reach, manifold3d.JoinType.Round, 2.0, ARC_SEGMENTS) \
            .offset(reach, manifold3d.JoinType.Round, 2.0, ARC_SEGMENTS)
        reached_edges = shapely.MultiLineString([np.vstack([ring, ring[:1]]) for ring in rings(reached)])
        # The opened walls miss the drawn ones by a few nanometres, which joins a slot's corners into one
        # piece by hair-thin strips: opening the leftover by a micrometre parts them again.
        leftover = ((cut - reached) ^ near_part).offset(-_HAIR_MM, manifold3d.JoinType.Miter, 2.0) \
            .offset(_HAIR_MM, manifold3d.JoinType.Miter, 2.0)
        for piece in leftover.decompose():
            area = piece.area()
            if area <= (0.05 * reach) ** 2:  # arc-drawing noise, far below a visible fillet
                continue
            outline = np.vstack(rings(piece))
            # Each corner is told a hair inside the uncut waste, so that whether it is above material (a
            # pocket's corner) or above a hole (a through corner) is plain.
            inward = outline.mean(axis=0)
            tips = [tip + CORNER_INSET_MM * (inward - tip) / max(float(np.linalg.norm(inward - tip)), 1e-9)
                    for tip in _deepest_points(outline, reached_edges, reach)]
            if area > 2.0 * reach ** 2 * (1.0 - math.pi / 4.0):
                # More waste than two sharp corners leave: a place the tool does not get into at all (a
                # pocket narrower than it), told once, at its deepest point.
                tips = tips[:1]
            radius = _corner_radius(area / len(tips), reach)
            # A through corner is found again above every floor: the lowest floor's finding stands.
            corners += [(float(x), float(y), float(floor), radius) for x, y in tips
                        if all(math.dist((x, y), corner[:2]) > reach for corner in corners)]
    return sorted(corners, key=lambda corner: (round(corner[0], 3), round(corner[1], 3), corner[2]))


def _deepest_points(points: np.ndarray, reached_edges: shapely.Geometry, reach: float) -> list[np.ndarray]:
    """The corners in one piece of material the tool leaves: its points farthest from where the tool reached,
    one per corner (a piece can span two corners of a narrow slot's end: points more than the reach apart,
    each at least half as deep as the deepest, are corners of their own)."""
    depths = shapely.distance(reached_edges, shapely.points(points))
    tips: list[np.ndarray] = []
    for index in np.argsort(-depths, kind="stable"):
        if depths[index] < depths.max() / 2.0:
            break
        if all(np.linalg.norm(points[index] - tip) > reach for tip in tips):
            tips.append(points[index])
    return tips


def _corner_findings(located: list[Corner], tool: Tool, clearance: float) -> list[Finding]:
    reach = tool.radius_mm + clearance
    return _corners_finding(
        located, "cnc.inside_corner", "error", reach,
        lambda count, tightest: f"{count} inside corners are tighter than the {tool.diameter_mm:g} mm tool can cut "
                                f"(the tightest {tightest}): round them to at least {reach:.1f} mm, add dog-bone "
                                "relief, or use a smaller tool")


def _pocket_corner_findings(located: list[Corner], tool: Tool) -> list[Finding]:
    """Pocket corners the pocket's toolpath rounds to its tool's radius: what will be cut, said so."""
    return _corners_finding(
        located, "cnc.pocket_corner", "warning", tool.radius_mm,
        lambda count, tightest: f"{count} inside corners of pockets (the tightest {tightest}) will be cut round, "
                                f"to the {tool.radius_mm:g} mm radius of the {tool.diameter_mm:g} mm pocket tool: "
                                "fine for a recess, but a square part will not sit in them; use a smaller pocket "
                                "tool if it must")


def _corners_finding(located: list[Corner], rule: str, severity: str, limit: float,
                     message: Callable[[int, str], str]) -> list[Finding]:
    """One finding for the corners located (none when there are none), measured by the tightest radius;
    message(count, the tightest in words) says what to do."""
    if not located:
        return []
    tightest = min(corner[3] for corner in located)
    return [Finding(
        rule=rule, severity=severity, message=message(len(located), _radius_words(tightest)),
        measured=round(tightest, 2), limit=round(limit, 3), unit="mm",
        points=located_points(np.array([corner[:3] for corner in located])),
    )]


def _round_hole_diameter(piece: manifold3d.CrossSection) -> float:
    """The diameter (mm) of a piece of a section that is a round hole (a circle within 2% of its area),
    else 0."""
    low, high = np.split(np.asarray(piece.bounds()), 2)
    width, depth = high - low
    if width <= 0.0 or abs(width - depth) > ROUND_TOLERANCE * width:
        return 0.0
    circle = math.pi * (width / 2.0) ** 2
    return float(width) if abs(piece.area() - circle) <= ROUND_TOLERANCE * circle else 0.0


def _radius_words(radius: float) -> str:
    return "is sharp" if radius < 0.05 else f"has a radius of about {radius:.1f} mm"


def _corner_radius(left_area: float, reach: float) -> float:
    """The radius (mm) of a right-angled corner that leaves `left_area` mm² uncut by a tool of radius
    `reach`: the area between the two fillets is (reach² - r²)(1 - pi/4)."""
    return math.sqrt(max(reach ** 2 - left_area / (1.0 - math.pi / 4.0), 0.0))


class Pocket(NamedTuple):
    """A hole in the part cut from above: where (x, y mm) its floor is (mm), how wide and deep (mm)."""

    x: float
    y: float
    floor: float
    width: float
    depth: float

    @property
    def depth_to_width(self) -> float:
        return self.depth / self.width if self.width > 0.0 else math.inf


def pockets(solid: manifold3d.Manifold, floors: np.ndarray, top: float) -> list[Pocket]:
    """The holes in the sections just above each floor that start at that floor, lowest floor first."""
    found = []
    below: manifold3d.CrossSection | None = None
    for floor in floors:
        section = solid.slice(float(floor) + ABOVE_FLOOR)
        for ring in rings(section):
            if signed_area(ring) >= 0.0:
                continue
            centre = ring.mean(axis=0)
            # A hole that was already open below this floor is the same pocket, met on its way down.
            if below is not None and not _is_material(below, centre):
                continue
            found.append(Pocket(float(centre[0]), float(centre[1]), float(floor),
                                inscribed_width(ring), top - float(floor)))
        below = section
    return found


def _pocket_findings(solid: manifold3d.Manifold, floors: np.ndarray, top: float, tool: Tool, pocket_tool: Tool,
                     limits: Mapping[str, float], smallest_tool: float) -> list[Finding]:
    """Holes narrower than any tool or than the tool that cuts them (`tool` through the part, `pocket_tool`
    from a floor above the bottom), pockets deeper than that tool's flutes or too deep for their width: one
    finding per rule (and tool), measured by the worst pocket, located at every pocket it concerns."""
    ratio = limits["max_depth_to_width"]
    found = pockets(solid, floors, top)
    through = [p for p in found if p.floor <= floors[0]]
    cutters = [(tool, through), (pocket_tool, [p for p in found if p not in through])] \
        if pocket_tool != tool else [(tool, found)]
    findings = []
    # A V-bit engraves narrow grooves by design; only an end mill must fit into a hole.
    fitting = [p for cutter, cut in cutters if cutter.kind != "vbit" for p in cut]
    no_tool = [p for p in fitting if p.width < smallest_tool - MEASURE_TOLERANCE]
    if no_tool:
        narrowest = min(p.width for p in no_tool)
        findings.append(_pocket_finding(
            "cnc.small_hole", "error", no_tool, narrowest, smallest_tool, "mm",
            f"narrower than the smallest tool ({smallest_tool:g} mm; the narrowest {narrowest:.2f} mm): widen "
            "them, or drill them with a drill bit of their size"))
    for cutter, cut in cutters:
        diameter, flutes = cutter.diameter_mm, cutter.flute_length_mm
        other_tool = [p for p in cut if p in fitting and p not in no_tool and p.width < diameter - MEASURE_TOLERANCE]
        if other_tool:
            narrowest = min(p.width for p in other_tool)
            findings.append(_pocket_finding(
                "cnc.small_hole", "warning", other_tool, narrowest, diameter, "mm",
                f"narrower than the {diameter:g} mm tool that cuts them (the narrowest {narrowest:.2f} mm): cut "
                "them with a smaller tool, or widen them"))
        too_deep = [p for p in cut if p.depth > flutes + MEASURE_TOLERANCE]
        if too_deep:
            deepest = max(p.depth for p in too_deep)
            findings.append(_pocket_finding(
                "cnc.pocket_depth", "error", too_deep, deepest, flutes, "mm",
                f"deeper than the {cutter.id} tool's {flutes:g} mm flutes reach (the deepest {deepest:.1f} mm): "
                "make them shallower, or use a longer tool"))
    too_narrow = [p for p in found if p.depth > ratio * p.width + MEASURE_TOLERANCE]
    if too_narrow:
        worst = max(p.depth_to_width for p in too_narrow)
        findings.append(_pocket_finding(
            "cnc.pocket_depth_to_width", "warning", too_narrow, worst, ratio, "ratio",
            f"deeper than {ratio:g} times their width (the worst {worst:.1f} times): chips will not clear and "
            "the tool will deflect; widen them or make them shallower"))
    return findings


def _pocket_finding(rule: str, severity: str, concerned: list[Pocket], measured: float, limit: float, unit: str,
                    consequence: str) -> Finding:
    return Finding(
        rule=rule, severity=severity, message=f"{len(concerned)} holes or pockets are {consequence}",
        measured=round(measured, 3), limit=limit, unit=unit,
        points=located_points(np.array([[p.x, p.y, p.floor] for p in concerned])),
    )


def _is_material(section: manifold3d.CrossSection, point: np.ndarray) -> bool:
    outlines = rings(section)
    polygons = shapely.MultiPolygon([shapely.Polygon(ring) for ring in outlines if signed_area(ring) > 0])
    holes = [shapely.Polygon(ring) for ring in outlines if signed_area(ring) < 0]
    spot = shapely.Point(point)
    return bool(polygons.covers(spot)) and not any(hole.contains(spot) for hole in holes)


def _undercut_findings(part: CheckedPart) -> list[Finding]:
    bottom = float(part.bounds[0, 2])
    down = (part.face_normals[:, 2] < -MEASURE_TOLERANCE) & \
        (part.triangles_center[:, 2] > bottom + MEASURE_TOLERANCE)
    faces = np.flatnonzero(down)
    if not len(faces):
        return []
    return [Finding(
        rule="cnc.undercut", severity="error",
        message=f"{float(part.area_faces[faces].sum()):.0f} mm² of the part faces downwards and cannot be "
                "reached by a tool from above: flip the part and machine a second side, or redesign these faces",
        measured=round(float(part.area_faces[faces].sum()), 3), limit=0.0, unit="mm2",
        faces=located_faces(faces), points=located_points(part.triangles_center[faces]),
    )]


def _thin_wall_findings(part: CheckedPart, limit: float) -> list[Finding]:
    thickness = wall_thickness(part)
    vertical = np.abs(part.face_normals[:, 2]) < MEASURE_TOLERANCE
    thin = [patch for patch in face_patches(part, vertical & (thickness < limit - MEASURE_TOLERANCE))
            if part.area_faces[patch].sum() >= limit ** 2]
    if not thin:
        return []
    faces = np.concatenate(thin)
    thinnest = min(float(np.median(thickness[patch])) for patch in thin)
    return [Finding(
        rule="cnc.thin_wall", severity="error",
        message=f"{len(thin)} walls are thinner than the {limit:g} mm a router can leave standing (the "
                f"thinnest {thinnest:.2f} mm): thicken them, or cut them in light passes with a sharp tool",
        measured=round(thinnest, 3), limit=limit, unit="mm",
        faces=located_faces(faces), points=located_points(part.triangles_center[np.sort(faces)]),
    )]
