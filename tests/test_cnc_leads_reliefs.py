"""Arc leads on router profiles (a quarter circle tangent to the path in the waste, posted as G2/G3) and
corner reliefs on narrow slots (no sliver of material left between two reliefs)."""

from __future__ import annotations

import hashlib
import math
import re

import numpy as np
import pytest
import shapely

from app.profiles.cam import load_cam
from app.profiles.check_limits import load_check_limits
from parametric_designs.build import build_part
from parametric_designs.templates import discover
from slicing.cnc.dogbone import add_reliefs
from slicing.cnc.flat import FlatPart
from slicing.cnc.grbl_rules import GrblDialect, grbl_violations
from slicing.cnc.mesh_input import flat_part_from_mesh
from slicing.cnc.post import Stock3, post_program
from slicing.cnc.profile import ProfileOptions, profile
from slicing.cnc.simulate import Stock, simulate
from slicing.cnc.verify import gouges
from slicing.errors import SlicingError
from slicing.fdm import polygons
from tests import flat_shapes as shapes
from tests.test_cnc_operations import THICKNESS, _setup

LEAD_MM = 4.0
PLATE = shapes.rect(0, 0, 60, 40)


# Arc leads


def _lead_points(path_points: np.ndarray, part: shapely.Geometry, tool_radius_mm: float) -> tuple[np.ndarray, int]:
    """The (x, y) of the first depth's lead (every point at that depth off the path, which runs a tool radius
    from the part's edge) and the index, in the pass, of the point where the lead joins the path."""
    z = path_points[path_points[:, 2] < 0, 2][0]
    level = np.flatnonzero(path_points[:, 2] == z)
    # The path's points sit within 0.1 µm rounding of a tool radius off the edge; the lead's are well beyond.
    off_path = [i for i in level if shapely.distance(part.boundary, shapely.Point(path_points[i, :2]))
                > tool_radius_mm + 2e-4]
    join = next(i for i in level if i > off_path[0] and i not in off_path)
    return path_points[off_path, :2], int(join)


def _circle_centre(points: np.ndarray) -> np.ndarray:
    """Least-squares centre of the circle through (n, 2) points."""
    a = np.column_stack([points, np.ones(len(points))])
    solution = np.linalg.lstsq(a, -(points**2).sum(axis=1), rcond=None)[0]
    return -solution[:2] / 2


def _angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    return math.degrees(math.acos(np.clip(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v), -1.0, 1.0)))


@pytest.mark.parametrize("side", ["outside", "inside"])
@pytest.mark.parametrize("direction", ["climb", "conventional"])
def test_arc_lead_is_a_quarter_circle_of_the_lead_radius_tangent_to_the_path_in_the_waste(side, direction):
    tool, data = _setup()
    region = shapes.region(PLATE)
    options = ProfileOptions(depth_mm=THICKNESS, side=side, direction=direction, through=True, lead_mm=LEAD_MM,
                             lead_style="arc")
    points = profile(region, tool, data, options).passes[0]
    part = shapely.Polygon(PLATE)
    lead, join = _lead_points(points, part, tool.radius_mm)
    centre = _circle_centre(lead)
    radii = np.linalg.norm(lead - centre, axis=1)
    assert len(lead) > 20 and np.abs(radii - LEAD_MM).max() < 1e-6  # in and out, each drawn in many chords
    # The circle's tangent at the join runs along the path there, where the cut starts and where it ends.
    join_xy = points[join, :2]
    assert np.linalg.norm(join_xy - centre) == pytest.approx(LEAD_MM, abs=1e-6)
    tangent = np.array([centre[1] - join_xy[1], join_xy[0] - centre[0]])
    at_join = np.flatnonzero(np.all(points[:, :2] == join_xy, axis=1) & (points[:, 2] == points[join, 2]))
    first_step = points[next(i for i in range(join, len(points)) if i not in at_join), :2] - join_xy
    last_step = join_xy - points[at_join[-1] - 1, :2]
    for step in (first_step, last_step):
        assert min(_angle_deg(tangent, step), _angle_deg(-tangent, step)) < 1.0
    # The polyline too: its last chord into the path and its first chord out of it.
    assert _angle_deg(join_xy - points[join - 1, :2], first_step) < 1.0
    assert _angle_deg(points[at_join[-1] + 1, :2] - join_xy, last_step) < 1.0
    # Waste side: off the part for an outside cut, in the hole for an inside one, the tool clear of the edge.
    inside = shapely.contains_xy(part, lead[:, 0], lead[:, 1])
    assert np.all(inside) if side == "inside" else not np.any(inside)
    assert shapely.distance(part.boundary, shapely.points(lead)).min() > tool.radius_mm


def _first_plunge_and_next(text: str) -> tuple[str, str]:
    lines = text.splitlines()
    plunge = next(i for i, line in enumerate(lines) if re.fullmatch(r"G1 Z-[\d.]+( F\d+)?", line))
    return lines[plunge], lines[plunge + 1]


def _arc_radius(line: str) -> float:
    words = dict(re.findall(r"([IJ])(-?[\d.]+)", line))
    return math.hypot(float(words["I"]), float(words["J"]))


@pytest.mark.parametrize("side", ["outside", "inside"])
@pytest.mark.parametrize(("direction", "command"), [("climb", "G3"), ("conventional", "G2")])
def test_arc_lead_posts_as_one_arc_turning_into_the_waste_and_obeys_grbl(side, direction, command):
    tool, data = _setup()
    machine = load_cam("machine", "generic-grbl-router")
    options = ProfileOptions(depth_mm=THICKNESS, side=side, direction=direction, through=True, lead_mm=LEAD_MM,
                             lead_style="arc")
    path = profile(shapes.region(PLATE), tool, data, options)
    [program] = post_program([path], machine, Stock3(100.0, 80.0, THICKNESS, "plywood"), "plate")
    assert grbl_violations(program.text, GrblDialect(s_max=machine.spindle_rpm_range[1])) == []
    _, entry = _first_plunge_and_next(program.text)
    # Climb keeps the waste on the tool's left: the lead turns left into the path, counter-clockwise.
    assert entry.startswith(f"{command} ") and _arc_radius(entry) == pytest.approx(LEAD_MM, abs=1e-3)
    leads = [line for line in program.text.splitlines()
             if line.startswith(command) and _arc_radius(line) == pytest.approx(LEAD_MM, abs=1e-3)]
    depths = len({z for z in path.passes[0][:, 2] if z < 0})
    assert len(leads) == 2 * depths  # in and out at every depth


def test_line_lead_is_what_it_was_without_a_lead_style():
    tool, data = _setup()
    machine = load_cam("machine", "generic-grbl-router")
    region = shapes.region(PLATE, shapes.rect(20, 10, 40, 30))
    stock = Stock3(100.0, 80.0, THICKNESS, "plywood")
    for side in ("outside", "inside"):
        common = dict(depth_mm=THICKNESS, side=side, through=True, lead_mm=LEAD_MM, tab_count=2 * (side == "outside"))
        before = profile(region, tool, data, ProfileOptions(**common))
        after = profile(region, tool, data, ProfileOptions(**common, lead_style="line"))
        assert all(np.array_equal(a, b) for a, b in zip(before.passes, after.passes, strict=True))
        assert post_program([before], machine, stock, "p")[0].text == post_program([after], machine, stock, "p")[0].text
        # Still a straight plunge lead_mm square off the path's start.
        first = before.passes[0]
        assert np.array_equal(first[0, :2], first[2, :2]) and np.linalg.norm(first[3, :2] - first[2, :2]) == LEAD_MM


def test_an_unknown_lead_style_is_refused_naming_the_valid_ones():
    with pytest.raises(SlicingError, match="lead style 'spiral' is not one of line, arc"):
        ProfileOptions(depth_mm=THICKNESS, lead_mm=LEAD_MM, lead_style="spiral")


def test_an_arc_lead_that_would_touch_the_part_between_its_ends_is_left_out():
    """In a 100 x 40 pocket, a 12 mm arc lead starts 15 mm off the wall; a 1 mm peg standing by its middle,
    clear of both its ends, is enough to leave it out: the arc is checked along its length."""
    tool, data = _setup()
    options = ProfileOptions(depth_mm=3.0, side="inside", lead_mm=12.0, lead_style="arc")
    peg = shapely.box(41, 7.5, 42, 8.5)
    wall = shapely.box(0, 0, 100, 40)
    [free] = profile(shapes.region(shapes.rect(0, 0, 100, 40)), tool, data, options).passes
    lead, _ = _lead_points(free, wall, tool.radius_mm)
    assert shapely.distance(wall.boundary, shapely.Point(free[0, :2])) == pytest.approx(3.0 + 12.0)
    assert shapely.distance(peg, shapely.points(lead[[0, -1]])).min() > tool.radius_mm
    assert shapely.distance(peg, shapely.LineString(lead)) < tool.radius_mm
    pegged = profile(shapes.region(shapes.rect(0, 0, 100, 40), shapes.rect(41, 7.5, 42, 8.5)), tool, data, options)
    outer = max(pegged.passes, key=lambda points: np.ptp(points[:, 0]))
    assert shapely.distance(wall.boundary, shapely.Point(outer[0, :2])) == pytest.approx(3.0)  # on the path


def test_arc_lead_keeps_tabs_and_step_downs_and_does_not_touch_the_part():
    tool, data = _setup()
    region = shapes.region(PLATE)
    common = dict(depth_mm=THICKNESS, through=True, tab_count=3, lead_mm=LEAD_MM)
    arc = profile(region, tool, data, ProfileOptions(**common, lead_style="arc"))
    line = profile(region, tool, data, ProfileOptions(**common))
    assert [t.top_z_mm for t in arc.tabs] == [t.top_z_mm for t in line.tabs]
    assert all(np.allclose(a.centre_xy, b.centre_xy) for a, b in zip(arc.tabs, line.tabs, strict=True))
    assert set(arc.passes[0][:, 2]) == set(line.passes[0][:, 2])
    stock = simulate(Stock.block((-15, -15, 75, 55), THICKNESS, 0.25), [arc])
    assert gouges(stock, FlatPart("plate", region, THICKNESS)) == []


# Corner reliefs on narrow slots

TOOL_RADIUS_MM = 3.175  # a 1/4" (6.35 mm) tool
CLEARANCE_MM = 0.1
SLOT_LENGTH_MM = 40.0


def _plate_with_slot(width_mm: float) -> polygons.Paths:
    """A 100 x 80 plate with a width_mm x 40 mm slot through it, centred."""
    slot = shapes.rect(50 - width_mm / 2, 20, 50 + width_mm / 2, 20 + SLOT_LENGTH_MM)
    return shapes.region(shapes.rect(0, 0, 100, 80), slot)


def _shape(paths: polygons.Paths) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in map(polygons.to_mm, polygons.islands(paths))])


def _opening(shape: shapely.Geometry, radius_mm: float) -> shapely.Geometry:
    """What discs of radius_mm inside the shape cover: the shape less everything narrower than them."""
    return shape.buffer(-radius_mm, quad_segs=64).buffer(radius_mm, quad_segs=64)


def _thin_pieces(kept: shapely.Geometry, radius_mm: float) -> list[shapely.Polygon]:
    """Pieces of material no tool-sized disc of material reaches: corners, and any sliver."""
    thin = kept.difference(_opening(kept, radius_mm))
    return [piece for piece in getattr(thin, "geoms", [thin]) if piece.area > 1e-4]


def _sharpest_corner_deg(paths: polygons.Paths) -> float:
    """The smallest angle of material at any convex corner of the outline (rings carry material on their left)."""
    angles = []
    for ring in polygons.to_mm(polygons.simplify(paths, 0.005)):
        incoming, outgoing = ring - np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0) - ring
        cross = incoming[:, 0] * outgoing[:, 1] - incoming[:, 1] * outgoing[:, 0]
        cosine = np.einsum("ij,ij->i", incoming, outgoing) / np.linalg.norm(incoming, axis=1) / np.linalg.norm(
            outgoing, axis=1)
        angles += list(180.0 - np.degrees(np.arccos(np.clip(cosine[cross > 0], -1.0, 1.0))))
    return min(angles)


def _largest_thin_piece_of_a_lone_relief(style: str, radius_mm: float, clearance_mm: float) -> float:
    """Area of the biggest corner piece the reliefs of a wide slot (each relief on its own) leave."""
    relieved = add_reliefs(_plate_with_slot(10 * radius_mm * 2), radius_mm, style, clearance_mm)
    return max(piece.area for piece in _thin_pieces(_shape(relieved), radius_mm))


def _assert_no_sliver(original: polygons.Paths, style: str, radius_mm: float, clearance_mm: float) -> None:
    relieved = add_reliefs(original, radius_mm, style, clearance_mm)
    kept = _shape(relieved)
    # No spike: the sharpest corner of material is a square one, as the part had before.
    assert _sharpest_corner_deg(relieved) >= min(_sharpest_corner_deg(original), 90.0) - 0.5
    # No finger: every piece too thin for a tool-sized disc is no bigger than one relief's corner piece.
    lone = _largest_thin_piece_of_a_lone_relief(style, radius_mm, clearance_mm)
    assert max((piece.area for piece in _thin_pieces(kept, radius_mm)), default=0.0) <= lone + 0.01
    # A tool of that radius cuts all of the waste (holes, reliefs and round the part): opening it removes
    # nothing thicker than the polygons' rounding.
    cut = kept.envelope.buffer(4 * radius_mm).difference(kept)
    assert cut.difference(_opening(cut, radius_mm)).buffer(-0.01).is_empty


@pytest.mark.parametrize("style", ["dogbone", "tbone"])
@pytest.mark.parametrize("diameters", [1.2, 1.5, 1.8, 1.9, 2.0, 2.2, 2.5, 2.8, 3.0])
def test_reliefs_of_a_narrow_slot_leave_no_sliver_and_the_mating_part_seats(style, diameters):
    width = diameters * 2 * TOOL_RADIUS_MM
    original = _plate_with_slot(width)
    _assert_no_sliver(original, style, TOOL_RADIUS_MM, CLEARANCE_MM)
    relieved = add_reliefs(original, TOOL_RADIUS_MM, style, CLEARANCE_MM)
    mating = shapely.box(50 - width / 2 + 1e-3, 20 + 1e-3, 50 + width / 2 - 1e-3, 20 + SLOT_LENGTH_MM - 1e-3)
    assert not _shape(relieved).intersects(mating)


def test_tbones_of_a_through_mortise_for_a_6_mm_tool_leave_no_sliver():
    """11.85 x 40 mm in a plate relieved for a 6 mm tool: the two T-bones of each short end overlap, and
    used to leave a spike of material between them."""
    original = shapes.region(shapes.rect(0, 0, 100, 80), shapes.rect(44.075, 20, 55.925, 60))
    _assert_no_sliver(original, "tbone", 3.0, CLEARANCE_MM)


def _digest(paths: polygons.Paths) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(ring).tobytes() for ring in paths)).hexdigest()[:16]


@pytest.mark.parametrize(("style", "diameters", "digest"), [
    ("dogbone", 2.0, "023a7cd8b0d3505f"), ("dogbone", 3.0, "51db0f2d2cad4a7e"), ("dogbone", 5.0, "171b09a97e4ac362"),
    ("tbone", 3.0, "df1e93ce1328b1ad"), ("tbone", 5.0, "7838a83256608c89"),
])  # fmt: skip
def test_reliefs_of_a_wide_slot_are_what_they_were(style, diameters, digest):
    """Digests of the relieved outlines as they were before neighbouring reliefs were ever joined."""
    relieved = add_reliefs(_plate_with_slot(diameters * 2 * TOOL_RADIUS_MM), TOOL_RADIUS_MM, style, CLEARANCE_MM)
    assert _digest(relieved) == digest


def test_the_stool_relieved_with_tbones_has_no_sliver():
    part = flat_part_from_mesh(build_part(discover()["plywood-stool"], {}).mesh, "stool")
    tool = load_cam("tool", "flat-6-2f")
    _assert_no_sliver(part.outline, "tbone", tool.radius_mm, load_check_limits("cnc")["corner_clearance"])
