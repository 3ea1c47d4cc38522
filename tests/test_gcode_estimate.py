"""Print time with acceleration, per-axis limits and classic jerk, against known answers and PrusaSlicer."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import time
import tomllib
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from slicing.errors import SlicingError
from slicing.fdm.settings import FdmSettings
from slicing.gcode.commands import read_machine_commands
from slicing.gcode.estimate import estimate_gcode, estimate_gcode_text
from slicing.gcode.limits import MachineLimits, read_config_comments
from slicing.gcode.parse import GcodeMoves, parse_gcode
from slicing.gcode.planner import MovePlan, plan_moves
from tests.conftest import REPO, corpus_file

PLA = {"filament_diameter": 1.75, "filament_density": 1.24, "filament_cost": 20.0}
# A machine without jerk (every change of speed is an acceleration) at 1000 mm/s², for textbook answers.
NO_JERK = MachineLimits(
    acceleration_extruding=1000.0,
    acceleration_retracting=1000.0,
    acceleration_travel=1000.0,
    max_jerk_x=0.0,
    max_jerk_y=0.0,
    max_jerk_z=0.0,
    max_jerk_e=0.0,
)
# PrusaSlicer's 2.5 MK3S MMU2S file, whose header has PrusaSlicer's own estimate.
PRUSA_MMU_FILE = "gcode/full_m73_layers_0.2mm_PLA_MK3SMMU2S_11m.gcode"


def plan(text: str, limits: MachineLimits) -> MovePlan:
    return plan_moves(parse_gcode(text), limits, read_machine_commands(text))


def seconds(text: str, limits: MachineLimits | None) -> float:
    return estimate_gcode_text(text, **PLA, limits=limits).time_s


def prusaslicer_reference(text: str) -> tuple[float, float]:
    """PrusaSlicer's normal-mode time (s) and filament length (mm, all extruders) from a G-code footer."""
    duration = re.search(r"^; estimated printing time \(normal mode\) = (.+)$", text, re.MULTILINE)
    length = re.search(r"^; filament used \[mm\] = (.+)$", text, re.MULTILINE)
    assert duration and length, "the file has no PrusaSlicer estimate"
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    time_s = sum(int(value) * units[unit] for value, unit in re.findall(r"(\d+)([dhms])", duration.group(1)))
    return float(time_s), sum(float(value) for value in length.group(1).split(","))


# Known answers on single moves


def test_a_long_move_reaches_its_feed_and_takes_length_over_speed_plus_speed_over_acceleration():
    assert seconds("G1 X100 F6000\n", NO_JERK) == pytest.approx(100 / 100 + 100 / 1000)


def test_a_short_move_never_reaches_its_feed_and_takes_twice_the_root_of_length_over_acceleration():
    assert seconds("G1 X1 F6000\n", NO_JERK) == pytest.approx(2 * math.sqrt(1 / 1000))
    moved = plan("G1 X1 F6000\n", NO_JERK)
    assert moved.cruise[0] == 100.0 and moved.entry[0] == 0.0


def test_with_jerk_a_move_starts_and_stops_at_the_jerk_speed():
    limits = MachineLimits(acceleration_travel=1000.0)  # X jerk 10 mm/s
    moved = plan("G1 X100 F6000\n", limits)
    assert (moved.entry[0], moved.exit[0]) == (10.0, 10.0)
    ramps = 2 * (100 - 10) / 1000
    assert moved.time_s[0] == pytest.approx(ramps + (100 - (100**2 - 10**2) / 1000) / 100)


def test_axis_limits_cap_the_speed_and_the_acceleration_of_a_move():
    moved = plan("G1 Z10 F1200\n", MachineLimits())  # Z: at most 12 mm/s and 500 mm/s²
    assert moved.cruise[0] == pytest.approx(12.0) and moved.acceleration[0] == pytest.approx(500.0)
    diagonal = plan("G1 X30 Z40 F6000\n", MachineLimits())  # Z is 0.8 of the path: 15 mm/s, 625 mm/s²
    assert diagonal.cruise[0] == pytest.approx(15.0) and diagonal.acceleration[0] == pytest.approx(625.0)


def test_printing_retracting_and_travel_moves_take_their_own_acceleration():
    limits = MachineLimits(acceleration_extruding=1000.0, acceleration_retracting=2000.0, acceleration_travel=3000.0)
    moved = plan("M83\nG1 X10 E1 F600\nG1 E-1\nG1 X20\n", limits)
    assert moved.acceleration.tolist() == [1000.0, 2000.0, 3000.0]


def test_a_retraction_moves_the_filament_alone_within_the_extruder_limits():
    limits = MachineLimits()  # retract 1500 mm/s², E jerk 2.5 mm/s, E at most 120 mm/s
    moved = plan("M83\nG1 E-2 F2100\n", limits)
    ramps = 2 * (35 - 2.5) / 1500
    assert moved.time_s[0] == pytest.approx(ramps + (2 - (35**2 - 2.5**2) / 1500) / 35)
    capped = plan("M83\nG1 E-2 F2100\n", MachineLimits(max_feedrate_e=20.0))
    assert capped.cruise[0] == 20.0


# Junctions and the look-ahead


def test_collinear_moves_keep_their_speed_through_the_junction():
    split = plan("G1 X50 F6000\nG1 X100\n", NO_JERK)
    assert split.exit[0] == split.entry[1] == 100.0
    assert split.time_s.sum() == pytest.approx(seconds("G1 X100 F6000\n", NO_JERK))
    slower = plan("G1 X50 F6000\nG1 X100 F3000\n", NO_JERK)
    assert slower.exit[0] == slower.entry[1] == 50.0


def test_a_right_angle_corner_slows_to_the_jerk_speed():
    limits = MachineLimits(acceleration_travel=1000.0)  # X and Y jerk 10 mm/s
    corner = plan("G1 X100 F6000\nG1 Y100\n", limits)
    assert corner.exit[0] == pytest.approx(10.0) and corner.entry[1] == pytest.approx(10.0)
    leg = 2 * (100 - 10) / 1000 + (100 - (100**2 - 10**2) / 1000) / 100
    assert corner.time_s.sum() == pytest.approx(2 * leg)


def test_the_gentler_the_turn_the_faster_the_junction():
    limits = MachineLimits(acceleration_travel=1000.0)
    speeds = []
    for degrees in (5, 20, 45, 90, 180):
        x, y = 100 + 100 * math.cos(math.radians(degrees)), 100 * math.sin(math.radians(degrees))
        speeds.append(plan(f"G1 X100 F6000\nG1 X{x:.4f} Y{y:.4f}\n", limits).entry[1])
    assert speeds == sorted(speeds, reverse=True) and speeds[0] > 80.0 and speeds[-1] == pytest.approx(10.0)


def test_many_short_segments_in_a_line_accelerate_and_brake_as_one_long_move():
    segments = "".join(f"G1 X{x} F6000\n" for x in range(1, 101))
    many = plan(segments, NO_JERK)
    assert many.time_s.sum() == pytest.approx(seconds("G1 X100 F6000\n", NO_JERK))
    # The forward pass: the first segments cannot yet be at full speed.
    assert many.entry[:5] == pytest.approx(np.sqrt(2 * 1000 * np.arange(5)))
    # The backward pass: the last segments brake in time to stop at the end.
    assert many.exit[-5:] == pytest.approx(np.sqrt(2 * 1000 * np.arange(5)[::-1]))


# Dwells, stops and firmware commands where they appear


def test_a_dwell_adds_its_time_and_brings_the_machine_to_a_stop():
    through = seconds("G1 X100 F6000\nG1 X200\n", NO_JERK)
    assert through == pytest.approx(2.0 + 0.1)
    assert seconds("G1 X100 F6000\nG4 P500\nG1 X200\n", NO_JERK) == pytest.approx(2 * 1.1 + 0.5)
    assert seconds("G1 X100 F6000\nM400\nG1 X200\n", NO_JERK) == pytest.approx(2 * 1.1)


def test_m204_changes_the_acceleration_from_where_it_stands():
    moved = plan("G1 X100 F6000\nM400\nM204 T500\nG1 X0\n", NO_JERK)
    assert moved.acceleration.tolist() == [1000.0, 500.0]
    assert moved.time_s.sum() == pytest.approx(1.1 + (1.0 + 100 / 500))
    legacy = plan("M83\nM204 S400\nG1 X10 E1 F600\nG1 X20\nG1 E-1\n", NO_JERK)
    assert legacy.acceleration.tolist() == [400.0, 400.0, 1000.0]  # S: printing and travel, not retraction
    # The machine's own acceleration is the ceiling, as PrusaSlicer takes it.
    assert plan("M204 P5000 T5000\nG1 X10 F6000\n", NO_JERK).acceleration.tolist() == [1000.0]


def test_m201_m203_and_m205_change_the_limits_from_where_they_stand():
    text = "G1 X100 F6000\nM203 X20\nM201 X100\nG1 X200\nM205 X5\nG1 X300\n"
    moved = plan(text, MachineLimits())
    assert moved.cruise.tolist() == [100.0, 20.0, 20.0]
    assert moved.acceleration.tolist() == [1250.0, 100.0, 100.0]
    assert moved.exit[-1] == pytest.approx(5.0)  # M205 X sets X and Y jerk, as Prusa firmware does


def test_m220_scales_the_feed_and_restores_it():
    assert plan("M220 S50\nG1 X100 F6000\n", NO_JERK).cruise.tolist() == [50.0]
    moved = plan("M220 B\nM220 S200\nG1 X100 F3000\nM220 R\nG1 X0\n", NO_JERK)
    assert moved.cruise.tolist() == [100.0, 50.0]
    assert seconds("M220 S50\nG1 X100 F6000\n", None) == pytest.approx(2.0)


def test_m221_flow_counts_against_the_extruder_limits():
    text = "M83\nM221 S200\nG1 E-1 F6000\n"
    assert plan(text, MachineLimits(max_feedrate_e=60.0)).cruise.tolist() == [30.0]


def test_commands_are_placed_by_the_moves_before_them():
    commands = read_machine_commands("G1 X1\nG1 F100 ; no axis, no move\nM204 S500\nT0\nT1\nG4 S1\nG1 X2\n")
    assert commands.changes == ((1, "acceleration_extruding", 500.0), (1, "acceleration_travel", 500.0))
    assert commands.stops == (1, 1)  # T0 is the tool already in use; T1 and G4 stop the machine


# The estimate as a whole


def test_without_limits_the_estimate_is_length_over_feed():
    moves = parse_gcode("G1 X30 Y40 F3000\nG1 X30 Y100 F6000\n")
    assert estimate_gcode(moves, **PLA).time_s == pytest.approx(50 / 50 + 60 / 100)
    assert estimate_gcode(moves, **PLA, limits=MachineLimits()).time_s > 50 / 50 + 60 / 100


def test_an_empty_program_takes_no_time():
    estimate = estimate_gcode(parse_gcode(""), **PLA, limits=MachineLimits())
    assert (estimate.time_s, estimate.filament_mm, estimate.layer_count) == (0.0, 0.0, 0)


def test_the_estimate_of_200k_moves_takes_well_under_a_second():
    rng = np.random.default_rng(7)
    points = np.cumsum(rng.normal(0.0, 2.0, size=(200_001, 3)) * [1.0, 1.0, 0.01], axis=0)
    moves = GcodeMoves(
        start=points[:-1],
        end=points[1:],
        e=np.where(rng.random(200_000) < 0.9, 0.05, -0.8),
        feed=rng.choice([25.0, 45.0, 60.0, 150.0], size=200_000),
        feature=np.full(200_000, ""),
        layer=np.zeros(200_000, dtype=np.int64),
        layer_z=(),
        dwell_s=0.0,
        unknown_commands=frozenset(),
    )
    started = time.perf_counter()
    estimate = estimate_gcode(moves, **PLA, limits=MachineLimits())
    assert time.perf_counter() - started < 1.0 and math.isfinite(estimate.time_s)


# Machine limits from settings and from a G-code file


def test_limits_read_every_machine_setting_the_slicer_has():
    keys = {f.name for f in fields(FdmSettings) if f.name.startswith("machine_")}
    values = {key: 1.0 + index for index, key in enumerate(sorted(keys))}
    limits = MachineLimits.from_settings(values)
    read = {getattr(limits, field.name) for field in fields(MachineLimits)}
    assert set(values.values()) <= read


def test_limits_defaults_are_the_settings_schema_defaults():
    schema = tomllib.loads((REPO / "resources" / "settings" / "fdm.toml").read_text())
    defaults = {key: spec["default"] for key, spec in schema.items() if key.startswith("machine_")}
    assert MachineLimits.from_settings(defaults) == MachineLimits()


def test_limits_take_the_normal_mode_of_prusaslicer_text_and_refuse_nonsense():
    limits = MachineLimits.from_settings({"machine_max_acceleration_x": "1000,960", "machine_max_jerk_z": 0.4})
    assert (limits.max_acceleration_x, limits.max_jerk_z, limits.max_acceleration_y) == (1000.0, 0.4, 9000.0)
    with pytest.raises(SlicingError, match="machine_max_feedrate_x"):
        MachineLimits.from_settings({"machine_max_feedrate_x": "fast"})
    with pytest.raises(SlicingError, match="acceleration_travel"):
        MachineLimits(acceleration_travel=0.0)


def test_config_comments_are_read_from_a_prusaslicer_footer():
    text = "G1 X1\n; prusaslicer_config = begin\n; machine_max_jerk_x = 8,8\n; travel_speed = 180\n"
    config = read_config_comments(text)
    assert config["machine_max_jerk_x"] == "8,8" and MachineLimits.from_settings(config).max_jerk_x == 8.0


# Against PrusaSlicer's own estimates


def test_prusaslicer_mk3s_file_is_within_5_percent_of_prusaslicers_estimate():
    text = corpus_file(PRUSA_MMU_FILE).read_text()
    limits = MachineLimits.from_settings(read_config_comments(text))
    reference_s, _ = prusaslicer_reference(text)
    ours = estimate_gcode_text(text, **PLA, limits=limits)
    assert reference_s == 632.0  # "10m 32s"
    assert ours.time_s == pytest.approx(reference_s, rel=0.05)
    # Without acceleration the same file comes out more than 10 % short.
    assert estimate_gcode_text(text, **PLA).time_s < 0.9 * reference_s


@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer is not installed")
@pytest.mark.parametrize("mesh_name", ["20mm-xyz-cube.stl", "3DBenchy.3mf"])
def test_prusaslicer_gcode_is_within_5_percent_of_its_time_and_half_a_percent_of_its_filament(
    mesh_name: str, tmp_path: Path
):
    mesh = corpus_file(f"meshes/{mesh_name}")
    out = tmp_path / "prusa.gcode"
    command = ["prusa-slicer", "--loglevel", "1", "--export-gcode", "--gcode-flavor", "marlin2", "-o", str(out)]
    subprocess.run([*command, str(mesh)], check=True, capture_output=True, timeout=600)
    text = out.read_text()
    limits = MachineLimits.from_settings(read_config_comments(text))
    reference_s, reference_mm = prusaslicer_reference(text)
    ours = estimate_gcode_text(text, **PLA, limits=limits)
    assert ours.time_s == pytest.approx(reference_s, rel=0.05)
    assert ours.filament_mm == pytest.approx(reference_mm, rel=0.005)
