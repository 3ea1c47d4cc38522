"""Post-processors: every GRBL line obeys GRBL 1.1's rules, tool changes split files, LinuxCNC gets M6 and
canned cycles; output is byte-for-byte repeatable and its header says what a person needs to know."""

from __future__ import annotations

import numpy as np

from app.profiles.cam import load_cam
from slicing.cnc.arcs import ARC_TOLERANCE_MM
from slicing.cnc.grbl_rules import GrblDialect, grbl_violations
from slicing.cnc.holes import drill
from slicing.cnc.motion import motions, run_time_s
from slicing.cnc.pocket import pocket
from slicing.cnc.post import Stock3, post_program
from slicing.cnc.profile import ProfileOptions, profile
from slicing.cnc.tooling import cutting_data
from slicing.cnc.toolpath import pass_depths
from slicing.fdm import polygons
from tests.gcode_arcs import arc_samples, farthest_from, tessellated

STOCK = Stock3(200.0, 100.0, 12.0, "plywood")


def _job(machine_id: str):
    machine = load_cam("machine", machine_id)
    plywood = load_cam("material", "plywood")
    big, small = load_cam("tool", "flat-6-2f"), load_cam("tool", "flat-3.175-2f")
    big_data, small_data = cutting_data(big, plywood, machine), cutting_data(small, plywood, machine)
    plate = polygons.union(polygons.to_units([np.array([(0, 0), (150, 0), (150, 80), (0, 80)], float)]))
    recess = polygons.union(polygons.to_units([np.array([(20, 20), (60, 20), (60, 50), (20, 50)], float)]))
    toolpaths = [
        drill([np.array([100.0, 40.0]), np.array([120.0, 40.0])], 12.2, small, small_data, peck_mm=4.0),
        pocket(recess, 4.0, big, big_data),
        profile(plate, big, big_data, ProfileOptions(depth_mm=12.0, through=True, tab_count=4)),
    ]
    return machine, toolpaths


def test_every_grbl_line_parses_with_grbl_rules_and_each_tool_has_its_own_file():
    machine, toolpaths = _job("generic-grbl-router")
    files = post_program(toolpaths, machine, STOCK, "plate")
    assert [f.name for f in files] == ["01-flat-3.175-2f.nc", "02-flat-6-2f.nc"]
    for file in files:
        assert grbl_violations(file.text, GrblDialect(s_max=machine.spindle_rpm_range[1])) == []
        assert "M6" not in file.text and "G81" not in file.text
    # The profile's round corners go out as arcs with I and J.
    assert any(line.startswith(("G2 ", "G3 ")) and " I" in line and " J" in line for line in files[1].text.splitlines())
    second = files[1].text.splitlines()
    assert second.index("M0") < second.index("M3 S16000") < second.index("G4 P3.0")


def test_the_checker_catches_what_grbl_refuses():
    bad = "\n".join([
        "G1 X10 F100",          # fine
        "G81 X1 Y1 Z-1 R1",     # canned cycle
        "T2 M6",                # tool change
        "G41 D1",               # cutter compensation, D word
        "G2 X1 Y1 R5",          # arc by radius
        "G0 X" + "1" * 80,      # longer than the line buffer
    ])
    problems = grbl_violations(bad, GrblDialect(s_max=1000))
    for expected in ("line 2: GRBL does not support G81", "line 3: GRBL does not support M6",
                     "line 4: GRBL does not support G41", "line 4: GRBL has no D word",
                     "line 5: arcs must give their centre with I and J", "line 6: 84 characters"):
        assert any(p.startswith(expected) for p in problems), expected
    assert grbl_violations("G1 X1", GrblDialect(1000)) == ["line 1: a feed move before any feed rate (F) is set"]
    # From X0 Y0 round a centre at I5 J0 (radius 5) to X10 Y0.01: 0.00001 mm off, fine; to X10.1: not on it.
    assert grbl_violations("G2 X10 Y0.01 I5 J0 F100", GrblDialect(1000)) == []
    assert grbl_violations("G2 X10.1 Y0 I5 J0 F100", GrblDialect(1000))[0].endswith("(GRBL error 33)")
    assert grbl_violations("M3 S1000\nG1 X1 F100", GrblDialect(1000))[0].startswith("line 2: cutting before")
    laser = grbl_violations("M3 S10\nG0 X1 S5\nG1 X2 S2000 F100", GrblDialect(1000, laser=True, spindle_dwell=False))
    assert [p.split(":")[0] for p in laser] == ["line 1", "line 2", "line 3"]


def test_output_is_deterministic_with_a_header_of_tools_stock_zero_and_time():
    machine, toolpaths = _job("generic-grbl-router")
    first = post_program(toolpaths, machine, STOCK, "plate")
    again = post_program(_job("generic-grbl-router")[1], machine, STOCK, "plate")
    assert [f.text for f in first] == [f.text for f in again]
    head = first[1].text.splitlines()[:6]
    assert head[2] == "(stock: 200 x 100 x 12 mm plywood)"
    assert head[3].startswith("(zero: X0 Y0")
    assert head[4].startswith("(estimated run time: ")
    assert head[5] == "(T2: Flat end mill 6 mm, 2 flutes, compression)"


def test_linuxcnc_changes_tools_with_m6_and_drills_with_a_canned_cycle():
    machine, toolpaths = _job("fablab-linuxcnc-router")
    [program] = post_program(toolpaths, machine, STOCK, "plate")
    lines = program.text.splitlines()
    assert lines.index("T1 M6") < lines.index("G43 H1") < lines.index("T2 M6") < lines.index("G43 H2")
    assert "G98 G83 Z-12.200 R1.000 Q4.000 F480 X100.000 Y40.000" in lines
    assert lines[lines.index("G98 G83 Z-12.200 R1.000 Q4.000 F480 X100.000 Y40.000") + 1] == "X120.000 Y40.000"


def test_run_time_counts_acceleration_so_it_exceeds_length_over_feed():
    machine, toolpaths = _job("generic-grbl-router")
    moves = motions(toolpaths, machine.safe_z_mm)
    fed = ~moves.rapid
    length = np.linalg.norm(moves.end - moves.start, axis=1)
    ideal = float(np.sum(length[fed] / (moves.feed_mm_min[fed] / 60.0)))
    estimate = run_time_s(moves, machine)
    assert ideal < estimate < ideal * 3


def test_tessellated_round_corners_go_out_as_arcs_that_stay_on_the_toolpath():
    # A plate as a mesh section gives it: 20 mm round corners as chords sagging 0.015 mm, and a 30 mm hole
    # as chords sagging 0.03 mm (more than the tolerance: its arcs run between the chords and the vertices).
    machine = load_cam("machine", "generic-grbl-router")
    tool = load_cam("tool", "flat-6-2f")
    data = cutting_data(tool, load_cam("material", "plywood"), machine)
    corners = [((20.0, 20.0), np.pi), ((130.0, 20.0), 1.5 * np.pi), ((130.0, 60.0), 0.0), ((20.0, 60.0), 0.5 * np.pi)]
    outline = np.vstack([tessellated(c, 20.0, 0.015, start, np.pi / 2) for c, start in corners])
    hole = tessellated((75.0, 40.0), 15.0, 0.03)[::-1]
    plate = polygons.union(polygons.to_units([outline, hole]))
    toolpath = profile(plate, tool, data, ProfileOptions(depth_mm=12.0, through=True))
    [program] = post_program([toolpath], machine, STOCK, "plate")
    assert grbl_violations(program.text, GrblDialect(s_max=machine.spindle_rpm_range[1])) == []
    arcs = arc_samples(program.text)
    assert len(arcs) >= 5 * len(pass_depths(12.0, data.step_down_mm))  # four corners and the hole, each depth
    moves = [line for line in program.text.splitlines() if line.startswith(("G1", "G2", "G3"))]
    assert len(moves) < sum(len(p) for p in toolpath.passes) / 10
    # Every arc written stays within the tolerance (plus the 1 µm rounding of X, Y, I and J) of the
    # polylines the stock simulation checked.
    assert max(farthest_from(arc, list(toolpath.passes)) for arc in arcs) <= ARC_TOLERANCE_MM + 0.002
