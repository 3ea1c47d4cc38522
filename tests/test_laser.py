"""Laser: kerf compensation that gives nominal fingers and slots, inner contours before outer ones, GRBL
laser G-code that never fires on a rapid, and an SVG in the usual layer colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from app.profiles.cam import load_cam, load_laser_settings
from slicing.cnc.arcs import ARC_TOLERANCE_MM
from slicing.cnc.flat import FlatPart
from slicing.cnc.grbl_rules import GrblDialect, grbl_violations
from slicing.cnc.svg_input import read_svg
from slicing.fdm import polygons
from slicing.laser.gcode import laser_program
from slicing.laser.plan import inner_first, plan_laser, raster_lines
from slicing.laser.settings import LaserSetting
from tests import flat_shapes as shapes
from tests.gcode_arcs import arc_samples, farthest_from, tessellated

KERF = 0.2
FINGER = 10.0



def _widths_after_cutting(path: np.ndarray, y: float) -> list[float]:
    """Burn the path with a beam KERF wide; the widths of material left along the line at height y."""
    burnt = shapely.LineString(path).buffer(KERF / 2, quad_segs=32)
    left = shapely.Polygon(path).difference(burnt)
    across = left.intersection(shapely.LineString([(-5, y), (80, y)]))
    return [round(part.length, 4) for part in shapely.get_parts(across)]


def test_finger_joint_with_kerf_compensation_cuts_fingers_and_slots_to_their_nominal_width():
    outline = [(0, 0), (70, 0), (70, 23), (60, 23), (60, 20), (50, 20), (50, 23), (40, 23), (40, 20), (30, 20),
               (30, 23), (20, 23), (20, 20), (10, 20), (10, 23), (0, 23)]
    part = FlatPart("panel", shapes.region(outline), 3.0)
    cut = LaserSetting(material="plywood", thickness_mm=3.0, operation="cut", power_pct=100, speed_mm_min=300,
                       kerf_mm=KERF)
    [layer] = plan_laser(part, cut=cut)
    [path] = layer.paths
    fingers = _widths_after_cutting(path, 21.5)
    assert fingers == pytest.approx([FINGER] * 4, abs=0.01)
    # The slots are the gaps between the fingers that are left.
    burnt = shapely.LineString(path).buffer(KERF / 2, quad_segs=32)
    left = shapely.Polygon(path).difference(burnt)
    xs = sorted(x for piece in shapely.get_parts(left.intersection(shapely.LineString([(-5, 21.5), (80, 21.5)])))
                for x in (piece.coords[0][0], piece.coords[-1][0]))
    slots = [round(b - a, 4) for a, b in zip(xs[1:-1:2], xs[2::2], strict=True)]
    assert slots == pytest.approx([FINGER] * 3, abs=0.01)
    # Uncompensated, every slot would come out a kerf wider.
    plain = shapely.Polygon(outline).difference(shapely.LineString(outline + outline[:1]).buffer(KERF / 2))
    pieces = sorted(shapely.get_parts(plain.intersection(shapely.LineString([(-5, 21.5), (80, 21.5)]))),
                    key=lambda p: p.bounds[0])
    assert pieces[1].bounds[0] - pieces[0].bounds[2] == pytest.approx(FINGER + KERF, abs=0.01)


def test_inner_contours_are_cut_before_the_outer_ones_that_contain_them():
    def square(x0: float, y0: float, size: float) -> np.ndarray:
        return np.array([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)], float)

    outer, hole, island, other = square(0, 0, 100), square(20, 20, 60), square(40, 40, 20), square(150, 0, 10)
    order = inner_first([outer, other, hole, island], np.array([200.0, 0.0]))
    names = []
    for ring in order:
        area = shapely.Polygon(ring).area
        names.append({10000.0: "outer", 3600.0: "hole", 400.0: "island", 100.0: "other"}[round(area, 3)])
    assert names == ["other", "island", "hole", "outer"]


def test_fill_rasters_alternate_direction():
    lines = raster_lines(shapes.region([(0, 0), (10, 0), (10, 2), (0, 2)]), 0.5)
    assert len(lines) == 4
    assert lines[0][0][0] < lines[0][1][0] and lines[1][0][0] > lines[1][1][0]
    assert [round(line[0][1], 3) for line in lines] == [0.25, 0.75, 1.25, 1.75]


def test_laser_gcode_obeys_grbl_and_never_fires_on_a_rapid():
    machine = load_cam("machine", "generic-grbl-diode-laser")
    settings = load_laser_settings("diode-10w")
    outline = shapes.region([(0, 0), (80, 0), (80, 80), (0, 80)], [(30, 30), (50, 30), (50, 50), (30, 50)])
    part = FlatPart("coaster", outline, 3.0, engravings=(np.array([(10.0, 10.0), (70.0, 10.0)]),),
                    fills=shapes.region([(10, 60), (70, 60), (70, 70), (10, 70)]))
    layers = plan_laser(part, cut=settings.lookup("plywood", "cut", 3.0),
                        engrave=settings.lookup("plywood", "engrave", 0.0),
                        fill=settings.lookup("plywood", "fill", 0.0))
    assert [layer.operation for layer in layers] == ["fill", "engrave", "cut"]
    program = laser_program(layers, machine, "coaster", "plywood", 3.0)
    lines = program.text.splitlines()
    assert grbl_violations(program.text, GrblDialect(s_max=1000, laser=True, spindle_dwell=False)) == []
    assert "M4 S0" in lines and "M3" not in program.text
    assert not [line for line in lines if line.startswith("G0") and "S" in line]
    powers = [word for line in lines if line.startswith("G1") for word in line.split() if word.startswith("S")]
    assert set(powers) == {"S0", "S350", "S400", "S1000"}
    # GRBL keeps S and F modal: a line carries them only where they change.
    modal = {"S": "0", "F": None}
    for line in lines[lines.index("M4 S0") + 1:]:
        for word in line.split()[1:]:
            if word[0] in modal:
                assert modal[word[0]] != word[1:], line
                modal[word[0]] = word[1:]
    assert program.run_time_s > 0


def test_svg_layers_use_the_cut_and_engrave_colours_and_read_back(tmp_path: Path):
    from slicing.laser.svg_out import laser_svg

    settings = load_laser_settings("diode-10w")
    part = FlatPart("tag", shapes.region([(0, 0), (60, 0), (60, 20), (0, 20)]), 3.0,
                    engravings=(np.array([(5.0, 10.0), (55.0, 10.0)]),))
    layers = plan_laser(part, cut=settings.lookup("plywood", "cut", 3.0),
                        engrave=settings.lookup("plywood", "engrave", 0.0))
    text = laser_svg(layers, part)
    assert 'stroke="#FF0000"' in text and 'stroke="#0000FF"' in text
    (tmp_path / "tag.svg").write_text(text)
    back = read_svg(tmp_path / "tag.svg")
    xmin, _, xmax, _ = back.bounds_mm()
    assert xmax - xmin == pytest.approx(60.0 + 0.15, abs=0.005)  # the cut line carries the kerf
    assert len(back.engravings) == 1


def test_fill_lines_run_up_unlit_for_the_overscan():
    machine = load_cam("machine", "generic-grbl-diode-laser")
    fill = load_laser_settings("diode-10w").lookup("plywood", "fill", 0.0)
    part = FlatPart("patch", [], 3.0, fills=shapes.region([(10, 10), (20, 10), (20, 11), (10, 11)]))
    layers = plan_laser(part, fill=fill, overscan_mm=3.0)
    lines = laser_program(layers, machine, "patch", "plywood", 3.0).text.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("G0 X")))
    # Rapid to 3 mm before the area, unlit feed to its edge, burn across, unlit 3 mm beyond.
    assert lines[first:first + 4] == ["G0 X7.000 Y10.050", "G1 X10.000 Y10.050 F3000",
                                      "G1 X20.000 Y10.050 S350", "G1 X23.000 Y10.050 S0"]


def test_round_cuts_and_engravings_go_out_as_arcs_on_their_lines_and_take_their_length_to_run():
    # A disc touching X0 with a hole and an engraved half circle, as a mesh section gives them: chords
    # sagging 0.015 mm (the disc's arcs bulge past its leftmost chord, which the kerf line puts at X0) and
    # 0.03 mm (more than the tolerance: the hole's arcs run halfway between its chords and its vertices).
    machine = load_cam("machine", "generic-grbl-diode-laser")
    settings = load_laser_settings("diode-10w")
    chords = len(tessellated((40.0, 60.0), 40.0, 0.015))
    disc = tessellated((40.0, 60.0), 40.0, 0.015, start=np.pi - np.pi / chords)  # a chord's middle at 180°
    hole = tessellated((40.0, 60.0), 10.0, 0.03)[::-1]
    smile = tessellated((40.0, 60.0), 20.0, 0.01, start=np.pi, sweep=np.pi)
    part = FlatPart("disc", polygons.union(polygons.to_units([disc, hole])), 3.0, engravings=(smile,))
    layers = plan_laser(part, cut=settings.lookup("plywood", "cut", 3.0),
                        engrave=settings.lookup("plywood", "engrave", 0.0))
    program = laser_program(layers, machine, "disc", "plywood", 3.0)
    lines = program.text.splitlines()
    assert grbl_violations(program.text, GrblDialect(s_max=1000, laser=True, spindle_dwell=False)) == []
    feeds = [line for line in lines if line.startswith(("G1", "G2", "G3"))]
    # The engraving one arc, each ring an arc or two and the straight bits where it starts, every pass.
    assert len(feeds) <= 2 + 8 * layers[1].setting.passes
    assert all(len(line) <= 80 for line in lines)
    # The head follows the lines (the drawing moved clear of X0) within the tolerance, never below X0.
    first_rapid = next(line for line in lines if line.startswith("G0"))
    shift = np.array([float(word[1:]) for word in first_rapid.split()[1:]]) - layers[0].paths[0][0]
    arcs = arc_samples(program.text)
    assert len(arcs) >= 1 + 2 * layers[1].setting.passes
    paths = [path + shift for layer in layers for path in layer.paths]
    assert max(farthest_from(arc, paths) for arc in arcs) <= ARC_TOLERANCE_MM + 0.002
    assert min(arc[:, 0].min() for arc in arcs) == pytest.approx(0.0, abs=0.001)
    # The estimate plans the length round the arcs, not their chords.
    seconds = sum(float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()) * layer.setting.passes
                  / (layer.setting.speed_mm_min / 60.0) for layer in layers for path in layer.paths)
    assert program.run_time_s > seconds
