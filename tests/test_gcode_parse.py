"""Reading G-code back, and the time and material estimate made from it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slicing.gcode.estimate import estimate_gcode
from slicing.gcode.format import format_duration, format_e, format_feed, format_setting, format_xyz
from slicing.gcode.parse import FIRMWARE_DEFAULT_FEED_MM_S, parse_gcode

PLA = {"filament_diameter": 1.75, "filament_density": 1.24, "filament_cost": 20.0}


def test_relative_extrusion_takes_each_e_as_it_stands():
    moves = parse_gcode("M83\nG1 X10 E1.5 F600\nG1 X20 E0.5\nG1 E-0.8\nG1 E0.8\n")
    assert moves.e.tolist() == [1.5, 0.5, -0.8, 0.8]


def test_absolute_extrusion_is_the_difference_to_the_last_e_and_g92_resets_it():
    moves = parse_gcode("M82\nG1 X10 E2\nG1 X20 E5\nG92 E0\nG1 X30 E1\nG1 E0.2\n")
    assert moves.e.tolist() == pytest.approx([2.0, 3.0, 1.0, -0.8])


def test_g90_after_m83_makes_extrusion_absolute_again_as_marlin_2_does():
    moves = parse_gcode("M83\nG1 X1 E1\nG1 X2 E1\nG90\nG1 X3 E5\n")
    assert moves.e.tolist() == [1.0, 1.0, 3.0]


def test_g91_moves_every_axis_relative_and_g90_absolute():
    moves = parse_gcode("G1 X10 Y10 Z1\nG91\nG1 X5 Z2 E1\nG90\nG1 X0 Y0\n")
    assert moves.end.tolist() == [[10, 10, 1], [15, 10, 3], [0, 0, 3]]
    assert moves.start[1].tolist() == [10, 10, 1] and moves.e.tolist() == [0.0, 1.0, 0.0]


def test_g92_sets_positions_and_g28_homes_to_the_origin():
    moves = parse_gcode("G1 X50 Y50 Z5\nG92 X0 Y0\nG1 X10\nG28 X\nG1 Y20\nG28\nG1 X1\n")
    assert moves.end.tolist() == [[50, 50, 5], [10, 0, 5], [0, 20, 5], [1, 0, 0]]


def test_feed_is_sticky_in_mm_per_second_and_starts_at_the_firmware_default():
    moves = parse_gcode("G1 X10\nG1 X20 F1200\nG1 X30\nG0 X40 F6000\n")
    assert moves.feed.tolist() == [FIRMWARE_DEFAULT_FEED_MM_S, 20.0, 20.0, 100.0]


def test_moves_that_go_nowhere_are_left_out():
    moves = parse_gcode("G1 X10 F1200\nG1 X10\nG1 F3000\nG1 X10 E0\n")
    assert len(moves) == 1


def test_feature_types_and_layers_come_from_the_structured_comments():
    text = "\n".join(
        [
            "G1 X1 E1 ; prime",
            ";LAYER_CHANGE",
            ";Z:0.2",
            ";HEIGHT:0.2",
            ";TYPE:External perimeter",
            "G1 X2 E1",
            ";TYPE:Internal infill",
            "G1 X3 E1",
            ";LAYER_CHANGE",
            ";Z:0.4",
            "G1 Z0.4",
            "G1 X4 E1",
        ]
    )
    moves = parse_gcode(text)
    assert moves.layer.tolist() == [-1, 0, 0, 1, 1]
    assert moves.feature.tolist() == ["", "External perimeter", "Internal infill", "Internal infill", "Internal infill"]
    assert moves.layer_z == (0.2, 0.4)


def test_unknown_commands_are_reported_and_known_ones_are_not():
    text = "G28\nM104 S200\nM109 S200\nM140 S60\nM190 S60\nM106 S255\nM107\nG4 P500\nM73 P10\nM84\nG2 X1 Y1 I1\nM600\n"
    moves = parse_gcode(text)
    assert moves.unknown_commands == frozenset({"G2", "M600"})
    assert moves.dwell_s == 0.5


def test_comments_blank_lines_line_numbers_checksums_and_lower_case_are_understood():
    moves = parse_gcode("; a comment\n\n   \nN10 G1 X5 Y5*57\ng1 x10 ; lower case\nG01 X12\nG1X14Y1\n")
    assert moves.end[:, 0].tolist() == [5.0, 10.0, 12.0, 14.0]
    assert not moves.unknown_commands


def test_empty_gcode_gives_no_moves_and_an_empty_estimate():
    moves = parse_gcode("")
    assert len(moves) == 0 and moves.start.shape == (0, 3)
    estimate = estimate_gcode(moves, **PLA)
    assert (estimate.time_s, estimate.filament_mm, estimate.layer_count) == (0.0, 0.0, 0)


def test_time_is_length_over_feed_and_retractions_take_filament_over_feed():
    moves = parse_gcode("G1 X30 Y40 F3000\nM83\nG1 E-1 F1800\nG1 X30 Y100 F6000\nG1 E1 F1800\nG4 S2\n")
    estimate = estimate_gcode(moves, **PLA)
    assert estimate.time_s == pytest.approx(50 / 50 + 1 / 30 + 60 / 100 + 1 / 30 + 2)


def test_filament_used_is_the_furthest_pushed_and_weighs_its_volume_times_density():
    moves = parse_gcode("M83\nG1 X10 E5\nG1 E-1\nG1 E1\nG1 X20 E5\n;end\nG1 E-2\n")
    estimate = estimate_gcode(moves, **PLA)
    volume_mm3 = 10.0 * math.pi * (1.75 / 2) ** 2
    assert estimate.filament_mm == pytest.approx(10.0)
    assert estimate.filament_g == pytest.approx(volume_mm3 / 1000 * 1.24)
    assert estimate.filament_cost == pytest.approx(estimate.filament_g / 1000 * 20.0)


def test_layer_count_without_markers_counts_the_heights_where_plastic_flows():
    moves = parse_gcode("M83\nG1 Z0.2\nG1 X10 E1\nG1 Z0.4\nG1 X0 E1\nG1 Z10\nG1 X5\n")
    assert estimate_gcode(moves, **PLA).layer_count == 2
    marked = parse_gcode(";LAYER_CHANGE\n;Z:0.2\nG1 Z0.2\n;LAYER_CHANGE\n;Z:0.4\n")
    assert estimate_gcode(marked, **PLA).layer_count == 2


def test_numbers_print_with_fixed_decimals_and_never_as_negative_zero():
    assert format_xyz(1.0) == "1.000" and format_xyz(-0.0001) == "0.000" and format_xyz(12.34567) == "12.346"
    assert format_e(0.1) == "0.10000" and format_e(-0.000001) == "0.00000" and format_e(-0.8) == "-0.80000"
    assert format_feed(150.0) == "9000" and format_feed(0.5) == "30"
    assert format_setting(215.0) == "215" and format_setting(0.45) == "0.45" and format_setting("x") == "x"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.4, "59s"), (75, "1m 15s"), (3723, "1h 2m 3s"), (90061, "1d 1h 1m 1s")],
)
def test_durations_read_like_prusaslicer(seconds, text):
    assert format_duration(seconds) == text


def test_arrays_line_up_one_row_per_move():
    moves = parse_gcode("M83\n;TYPE:Skirt\nG1 X1 Y2 Z0.2 E0.1 F600\nG1 E-0.5\n")
    assert moves.start.shape == moves.end.shape == (2, 3)
    assert [len(a) for a in (moves.e, moves.feed, moves.feature, moves.layer)] == [2, 2, 2, 2]
    assert np.array_equal(moves.start[1], moves.end[1])


def test_garbled_structured_comments_do_not_stop_the_parser():
    moves = parse_gcode(";LAYER_CHANGE\n;Z:abc\n;TYPE:\nG1 X1 E1\n")
    assert math.isnan(moves.layer_z[0]) and moves.feature.tolist() == [""]
