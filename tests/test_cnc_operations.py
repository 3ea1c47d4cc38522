"""Router operations proven on the simulated stock: known answers for pockets, profiles, tabs and dogbones,
and the gouge check that refuses a program cutting into the part."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely

from app.profiles.cam import load_cam
from slicing.cnc.dogbone import add_reliefs, inside_corners
from slicing.cnc.engrave import engrave, engrave_width_mm
from slicing.cnc.flat import FlatPart
from slicing.cnc.holes import drill, helical_bore, round_holes
from slicing.cnc.pocket import left_by, pocket, rest_pocket
from slicing.cnc.profile import ProfileOptions, profile
from slicing.cnc.simulate import Stock, simulate
from slicing.cnc.tooling import cutting_data
from slicing.cnc.verify import GougeError, cut_free_findings, gouges, refuse_gouges
from slicing.errors import SlicingError
from slicing.fdm import polygons
from tests import flat_shapes as shapes

THICKNESS = 12.0


def _setup(tool_id: str = "flat-6-2f"):
    tool = load_cam("tool", tool_id)
    data = cutting_data(tool, load_cam("material", "plywood"), load_cam("machine", "generic-grbl-router"))
    return tool, data





def test_pocket_removes_l_w_d_less_the_tool_radius_corners():
    tool, data = _setup()
    length, width, depth, r = 40.0, 20.0, 5.0, tool.radius_mm
    path = pocket(shapes.region(shapes.rect(0, 0, length, width)), depth, tool, data)
    stock = simulate(Stock.block((-5, -5, 45, 25), THICKNESS, 0.1), [path])
    expected = length * width * depth - (4 - math.pi) * r**2 * depth
    assert stock.removed_volume_mm3() == pytest.approx(expected, rel=0.01)
    assert stock.heights.min() == pytest.approx(-depth)


def test_pocket_around_an_island_leaves_the_island_standing():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 60, 40), shapes.rect(25, 15, 35, 25))
    path = pocket(region, 4.0, tool, data)
    stock = simulate(Stock.block((-5, -5, 65, 45), THICKNESS, 0.1), [path])
    expected = (60 * 40 - (4 - math.pi) * 9 - 100) * 4.0
    assert stock.removed_volume_mm3() == pytest.approx(expected, rel=0.01)
    part = FlatPart("plate", shapes.region(shapes.rect(-5, -5, 65, 45)), THICKNESS, pockets=((4.0, region),))
    assert gouges(stock, part) == []


def test_a_rest_tool_leaves_only_its_own_radius_in_the_corners():
    big, big_data = _setup("flat-6-2f")
    small, small_data = _setup("flat-3.175-2f")
    length, width, depth = 80.0, 50.0, 3.0
    region = shapes.region(shapes.rect(0, 0, length, width))
    bulk = pocket(region, depth, big, big_data)
    rest = rest_pocket(region, depth, big, small, small_data)
    stock = simulate(Stock.block((-5, -5, 85, 55), THICKNESS, 0.1), [bulk, rest])
    expected = length * width * depth - (4 - math.pi) * small.radius_mm**2 * depth
    assert stock.removed_volume_mm3() == pytest.approx(expected, rel=0.01)
    # In each corner stands the small tool's (1 - pi / 4) r² d, not the big one's: 1.6 mm³ rather than 5.8.
    for rows, columns in itertools.product((slice(50, 90), slice(510, 550)), (slice(50, 90), slice(810, 850))):
        left = 4 * 4 * depth + float(stock.heights[rows, columns].sum()) * 0.1**2
        assert left == pytest.approx((1 - math.pi / 4) * small.radius_mm**2 * depth, abs=0.4)
    part = FlatPart("plate", shapes.region(shapes.rect(-5, -5, 85, 55)), THICKNESS, pockets=((depth, region),))
    assert gouges(stock, part) == []
    # The small tool only works the corners: its path is a fraction of the big tool's.
    assert rest.cut_length_mm() < 0.1 * bulk.cut_length_mm()


def test_a_rest_tool_clears_a_slot_the_big_tool_cannot_enter():
    big, big_data = _setup("flat-6-2f")
    small, small_data = _setup("flat-3.175-2f")
    depth = 3.0
    # A 40 x 20 mm pocket with a 4 mm wide slot running 10 mm out of its right side.
    region = shapes.region(shapes.rect(0, 0, 40, 20), shapes.rect(39, 8, 50, 12))
    bulk = pocket(region, depth, big, big_data)
    stock = simulate(Stock.block((-5, -5, 55, 25), THICKNESS, 0.1), [bulk])
    middle = (slice(145, 155), slice(470, 530))  # the stock's cells over x 42-48 mm, y 9.5-10.5 mm
    assert stock.heights[middle].max() == 0.0, "the 6 mm tool cannot enter a 4 mm slot"
    left = shapely.unary_union([shapely.Polygon(ring) for ring in polygons.to_mm(left_by(region, big))])
    assert left.area > 4 * 8 and left.covers(shapely.box(42, 9.5, 48, 10.5))
    simulate(stock, [rest_pocket(region, depth, big, small, small_data)])
    assert stock.heights[middle].max() == pytest.approx(-depth), "the slot is cut along its middle"
    part = FlatPart("plate", shapes.region(shapes.rect(-5, -5, 55, 25)), THICKNESS, pockets=((depth, region),))
    assert gouges(stock, part) == []


def test_pocket_too_narrow_for_the_tool_says_so():
    tool, data = _setup()
    with pytest.raises(SlicingError, match="does not fit in the pocket"):
        pocket(shapes.region(shapes.rect(0, 0, 40, 5)), 3.0, tool, data)


def test_profile_centre_line_is_the_outline_offset_by_the_tool_radius():
    tool, data = _setup()
    outline = [(0, 0), (100, 0), (100, 40), (40, 40), (40, 80), (0, 80)]
    region = shapes.region(outline, shapes.circle(20, 20, 8))
    path = profile(region, tool, data, ProfileOptions(depth_mm=THICKNESS, through=True))
    part = shapely.Polygon(outline, [shapes.circle(20, 20, 8)])
    for points in path.passes:
        distance = shapely.distance(part, shapely.points(points[1:, :2]))
        assert np.abs(distance - tool.radius_mm).max() < 0.01


def test_climb_runs_clockwise_round_the_outside_and_conventional_the_other_way():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 50, 30))

    def signed_area(direction: str) -> float:
        ring = profile(region, tool, data, ProfileOptions(depth_mm=3, direction=direction)).passes[0][1:, :2]
        return float(np.dot(ring[:, 0], np.roll(ring[:, 1], -1)) - np.dot(ring[:, 1], np.roll(ring[:, 0], -1)))

    assert signed_area("climb") < 0 < signed_area("conventional")


def test_tabs_sit_mid_edge_and_keep_the_stock_at_tab_height_along_their_span():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 100, 60))
    options = ProfileOptions(depth_mm=THICKNESS, through=True, tab_count=4, tab_width_mm=8.0, tab_height_mm=3.0)
    path = profile(region, tool, data, options)
    stock = simulate(Stock.block((-10, -10, 110, 70), THICKNESS, 0.1), [path])
    centres = sorted(tuple(np.round((t.centre_xy[0] + t.centre_xy[-1]) / 2, 3) + 0.0) for t in path.tabs)
    assert centres == sorted([(50.0, -3.0), (103.0, 30.0), (50.0, 63.0), (-3.0, 30.0)])
    x, y = stock.cell_centres()
    tab_top = -THICKNESS + 3.0
    # Along the bottom tab: the kerf under the tab's own width stands at tab height, the rest is cut through.
    kerf = (y > -5.9) & (y < -0.1)
    under_tab = kerf & (np.abs(x - 50.0) < 3.9)
    assert np.abs(stock.heights[under_tab] - tab_top).max() < 0.01
    away = kerf & (np.abs(x - 50.0) > 10.1) & (x > 5) & (x < 95)
    assert stock.heights[away].max() == pytest.approx(-THICKNESS)
    part = FlatPart("plate", region, THICKNESS)
    assert cut_free_findings(stock, part, path.tabs, tool.radius_mm) == []
    assert gouges(stock, part) == []


def test_a_finishing_allowance_keeps_the_tabs_in_the_roughing_pass_too():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 100, 60))
    options = ProfileOptions(depth_mm=THICKNESS, through=True, tab_count=4, tab_width_mm=8.0, tab_height_mm=3.0,
                             finishing_allowance_mm=0.5)
    path = profile(region, tool, data, options)
    stock = simulate(Stock.block((-10, -10, 110, 70), THICKNESS, 0.1), [path])
    x, y = stock.cell_centres()
    # Under the bottom tab, across both the roughing kerf (0.5 mm further out) and the finishing one.
    under_tab = (y > -6.4) & (y < -0.1) & (np.abs(x - 50.0) < 3.9)
    assert np.abs(stock.heights[under_tab] - (-THICKNESS + 3.0)).max() < 0.01
    part = FlatPart("plate", region, THICKNESS)
    assert cut_free_findings(stock, part, path.tabs, tool.radius_mm) == [], "held by its tabs, not cut free"
    assert gouges(stock, part) == []
    # And the finishing pass took the last 0.5 mm off the wall everywhere else, down to the bottom.
    wall = (y > -0.5) & (y < -0.1) & (x > 10) & (x < 40)
    assert stock.heights[wall].max() == pytest.approx(-THICKNESS)


def test_a_profile_short_of_the_bottom_is_reported_as_not_cut_free():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 60, 40))
    shallow = profile(region, tool, data, ProfileOptions(depth_mm=THICKNESS - 1.0))
    stock = simulate(Stock.block((-10, -10, 70, 50), THICKNESS, 0.25), [shallow])
    findings = cut_free_findings(stock, FlatPart("plate", region, THICKNESS), [], tool.radius_mm)
    assert [f.rule for f in findings] == ["not-cut-free"]


@pytest.mark.parametrize("style", ["dogbone", "tbone"])
def test_relieved_slot_admits_the_mating_rectangle(style: str):
    tool, data = _setup()
    slot = (44.0, 30.0, 56.0, 60.0)  # a 12 mm slot, 30 deep, open at the top edge
    outline = [(0, 0), (100, 0), (100, 60), (56, 60), (56, 30), (44, 30), (44, 60), (0, 60)]
    region = shapes.region(outline)
    assert len(inside_corners(region)) == 2

    def mating_cells_cut_through(shape: polygons.Paths) -> bool:
        path = profile(shape, tool, data, ProfileOptions(depth_mm=THICKNESS, through=True))
        stock = simulate(Stock.block((-10, -10, 110, 70), THICKNESS, 0.1), [path])
        x, y = stock.cell_centres()
        inside = (x > slot[0]) & (x < slot[2]) & (y > slot[1]) & (y < slot[3])
        gouge_free = gouges(stock, FlatPart("side", shape, THICKNESS)) == []
        return bool(np.all(stock.heights[inside] <= -THICKNESS + 1e-9)) and gouge_free

    assert not mating_cells_cut_through(region)  # the round tool leaves the corners: the part does not seat
    assert mating_cells_cut_through(add_reliefs(region, tool.radius_mm, style))


def test_the_gouge_check_refuses_a_profile_on_the_wrong_side():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 60, 40))
    wrong = profile(region, tool, data, ProfileOptions(depth_mm=THICKNESS, through=True, side="inside"))
    stock = simulate(Stock.block((-10, -10, 70, 50), THICKNESS, 0.25), [wrong])
    with pytest.raises(GougeError, match=r"cuts 12.000 mm into the part"):
        refuse_gouges(stock, FlatPart("plate", region, THICKNESS))


def test_round_holes_are_found_drilled_and_bored():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 80, 40), shapes.circle(20, 20, 3.0), shapes.circle(60, 20, 6.0))
    found = sorted((tuple(np.round(c, 3)), round(d, 2)) for c, d, _ in round_holes(region))
    assert found == [((20.0, 20.0), 6.0), ((60.0, 20.0), 12.0)]
    paths = [drill([np.array([20.0, 20.0])], 10.0, tool, data, peck_mm=4.0),
             helical_bore(np.array([60.0, 20.0]), 12.0, 10.0, tool, data)]
    stock = simulate(Stock.block((0, 0, 80, 40), THICKNESS, 0.1), paths)
    assert stock.removed_volume_mm3() == pytest.approx(math.pi * (9 + 36) * 10.0, rel=0.01)


def test_a_tool_that_cannot_plunge_ramps_in():
    tool, data = _setup("flat-12-2f-nc")
    path = profile(shapes.region(shapes.rect(0, 0, 100, 60)), tool, data, ProfileOptions(depth_mm=6.0))
    points = path.passes[0]
    steps = np.diff(points, axis=0)
    descending = steps[:, 2] < -1e-9
    horizontal = np.linalg.norm(steps[:, :2], axis=1)
    # Every move down also moves sideways, at no more than the ramp angle.
    assert np.all(horizontal[descending] > 0)
    assert np.all(-steps[descending, 2] / horizontal[descending] <= math.tan(math.radians(5.0)) + 1e-9)
    with pytest.raises(SlicingError, match="cannot drill"):
        drill([np.zeros(2)], 3.0, tool, data)


def test_a_hole_narrower_than_the_tool_is_refused_not_dropped():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 60, 40), shapes.rect(20, 20, 24, 30))
    with pytest.raises(SlicingError, match=r"hole at \(22.0, 25.0\) mm is narrower than the 6 mm tool"):
        profile(region, tool, data, ProfileOptions(depth_mm=THICKNESS, through=True))


def test_a_pocket_piece_the_tool_cannot_enter_is_refused_not_left_uncut():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 40, 20), shapes.rect(50, 0, 54, 20))
    with pytest.raises(SlicingError, match=r"does not fit in the pocket at \(52.0, 10.0\) mm"):
        pocket(region, 3.0, tool, data)


def test_v_bit_and_ball_grooves_have_their_known_cross_sections():
    vbit, vdata = _setup("vbit-60-6.35")
    ball, bdata = _setup("ball-3.175-2f")
    line = [np.array([(10.0, 10.0), (60.0, 10.0)])]
    stock = Stock.block((0, 0, 70, 20), THICKNESS, 0.05)
    simulate(stock, [engrave(line, 1.0, vbit, vdata)])
    x, y = stock.cell_centres()
    across = stock.heights[:, np.argmin(np.abs(x[0] - 35.0))]
    # A 60 degree cone 1 mm deep is 2 tan(30°) = 1.155 mm wide at the top and V-shaped below.
    assert np.count_nonzero(across < -1e-9) * 0.05 == pytest.approx(2 * math.tan(math.radians(30)), abs=0.1)
    offset = np.abs(y[:, 0] - 10.0)
    # Samples lie at most half a cell along the line from a cell's centre, so its depth lies between the
    # tool's surface at the cell's offset and at that offset widened by half a cell.
    widened = np.hypot(offset, 0.025)
    cut = across < 0

    def between(surface) -> bool:
        depth = across[cut]
        return bool(np.all((depth >= surface(offset[cut]) - 1e-9) & (depth <= surface(widened[cut]) + 1e-9)))

    assert between(lambda d: -1.0 + d / math.tan(math.radians(30)))
    middle = (x > 15) & (x < 55)
    area = -np.sum(np.where(middle, stock.heights, 0.0)) * 0.05**2 / 40.0
    assert area == pytest.approx(math.tan(math.radians(30)), rel=0.02)  # d² tan(half angle), d = 1

    stock = Stock.block((0, 0, 70, 20), THICKNESS, 0.05)
    simulate(stock, [engrave(line, 1.0, ball, bdata)])
    across = stock.heights[:, np.argmin(np.abs(x[0] - 35.0))]
    r = ball.radius_mm
    cut = across < 0
    assert between(lambda d: -1.0 + r - np.sqrt(np.clip(r**2 - d**2, 0, None)))
    assert engrave_width_mm(ball, 1.0) == pytest.approx(2 * math.sqrt(r**2 - (r - 1.0) ** 2))


def test_lead_in_plunges_in_the_waste_and_the_part_is_not_touched():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 60, 40), shapes.circle(30, 20, 4.0))
    options = ProfileOptions(depth_mm=THICKNESS, through=True, lead_mm=4.0)
    path = profile(region, tool, data, options)
    outer, hole = sorted(path.passes, key=lambda p: -np.ptp(p[:, 0]))
    part = shapely.Polygon(shapes.rect(0, 0, 60, 40), [shapes.circle(30, 20, 4.0)])
    plunges = [p for a, p in itertools.pairwise(outer) if p[2] < a[2] and np.allclose(a[:2], p[:2])]
    assert plunges and all(shapely.distance(part, shapely.Point(p[:2])) == pytest.approx(7.0, abs=0.01)
                           for p in plunges)  # radius 3 + lead 4, square off the edge
    # The 8 mm hole has no room for a 4 mm lead with a 6 mm tool: its path plunges on the line.
    assert shapely.distance(part, shapely.Point(hole[0][:2])) == pytest.approx(3.0, abs=0.01)
    stock = simulate(Stock.block((-15, -15, 75, 55), THICKNESS, 0.25), [path])
    assert gouges(stock, FlatPart("plate", region, THICKNESS)) == []


def test_tabs_placed_by_hand_sit_where_asked():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 100, 60))
    options = ProfileOptions(depth_mm=THICKNESS, through=True, tab_points=((20.0, 0.0), (100.0, 45.0)))
    path = profile(region, tool, data, options)
    centres = sorted(tuple(np.round((t.centre_xy[0] + t.centre_xy[-1]) / 2, 3) + 0.0) for t in path.tabs)
    assert centres == [(20.0, -3.0), (103.0, 45.0)]


def test_finishing_allowance_roughs_wide_then_finishes_on_the_line():
    tool, data = _setup()
    region = shapes.region(shapes.rect(0, 0, 60, 40))
    path = profile(region, tool, data, ProfileOptions(depth_mm=THICKNESS, through=True, finishing_allowance_mm=0.5))
    rough, finish = path.passes
    part = shapely.Polygon(shapes.rect(0, 0, 60, 40))
    assert shapely.distance(part, shapely.points(rough[1:, :2])).min() == pytest.approx(3.5, abs=0.01)
    assert shapely.distance(part, shapely.points(finish[1:, :2])).max() == pytest.approx(3.0, abs=0.01)
    # The finish goes round once, at full depth.
    assert set(np.round(finish[2:, 2], 3)) == {-THICKNESS - 0.2}


def test_a_pocket_with_a_tool_that_cannot_plunge_ramps_in_and_still_clears_it():
    tool, data = _setup("flat-12-2f-nc")
    path = pocket(shapes.region(shapes.rect(0, 0, 60, 40)), 3.0, tool, data)
    for points in path.passes:
        steps = np.diff(points, axis=0)
        down = steps[:, 2] < -1e-9
        assert np.all(np.linalg.norm(steps[down, :2], axis=1) > 0)  # never straight down
    stock = simulate(Stock.block((-5, -5, 65, 45), THICKNESS, 0.2), [path])
    assert stock.removed_volume_mm3() == pytest.approx((60 * 40 - (4 - math.pi) * 36) * 3.0, rel=0.01)
