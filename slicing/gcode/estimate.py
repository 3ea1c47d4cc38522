"""Print time and material of parsed G-code.

With machine limits, each move is planned as the firmware would run it (slicing.gcode.planner: acceleration,
per-axis limits, classic jerk at junctions, look-ahead over the whole program). Without them, time is each
move's length over its feed rate, as if the machine changed speed instantly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from slicing.gcode.commands import MachineCommands, read_machine_commands
from slicing.gcode.limits import MachineLimits
from slicing.gcode.parse import GcodeMoves, parse_gcode
from slicing.gcode.planner import limits_per_move, plan_moves


@dataclass(frozen=True)
class GcodeEstimate:
    """What a person wants to know before pressing start.

    time_s: seconds; filament_mm: length of filament used; filament_g: its weight in grams; filament_cost: in
    the currency of the material's price per kilogram; layer_count: layers printed.
    """

    time_s: float
    filament_mm: float
    filament_g: float
    filament_cost: float
    layer_count: int


def estimate_gcode(
    moves: GcodeMoves,
    *,
    filament_diameter: float,
    filament_density: float,
    filament_cost: float,
    limits: MachineLimits | None = None,
    commands: MachineCommands | None = None,
) -> GcodeEstimate:
    """Estimate time and material of a program.

    filament_diameter in mm, filament_density in g/cm³, filament_cost per kg. limits: the machine's motion
    limits (None: an ideal machine that changes speed instantly). commands: the limit, feed and flow changes
    and stops found in the program's text (read_machine_commands); None when there are none.
    """
    if limits is None:
        time_s = _instant_time(moves, commands)
    else:
        time_s = float(np.sum(plan_moves(moves, limits, commands).time_s))
    time_s += moves.dwell_s

    # Filament retracted at the end and never pushed out again was not used, so the length used is the
    # furthest the filament has been pushed in.
    filament_mm = max(float(np.max(np.cumsum(moves.e), initial=0.0)), 0.0)
    volume_mm3 = filament_mm * math.pi * (filament_diameter / 2.0) ** 2
    filament_g = volume_mm3 / 1000.0 * filament_density
    return GcodeEstimate(
        time_s=time_s,
        filament_mm=filament_mm,
        filament_g=filament_g,
        filament_cost=filament_g / 1000.0 * filament_cost,
        layer_count=_layer_count(moves),
    )


def estimate_gcode_text(
    text: str,
    *,
    filament_diameter: float,
    filament_density: float,
    filament_cost: float,
    limits: MachineLimits | None = None,
) -> GcodeEstimate:
    """Parse a program and estimate it, with the firmware commands in its text taking effect where they stand."""
    return estimate_gcode(
        parse_gcode(text),
        filament_diameter=filament_diameter,
        filament_density=filament_density,
        filament_cost=filament_cost,
        limits=limits,
        commands=read_machine_commands(text),
    )


def _instant_time(moves: GcodeMoves, commands: MachineCommands | None) -> float:
    """Seconds of the moves at their feed rates (times M220's factor), with no time to change speed."""
    travelled = np.linalg.norm(moves.end - moves.start, axis=1)
    # A move that only turns the extruder (retract, unretract) lasts as long as the filament takes to move.
    distance = np.where(travelled > 0.0, travelled, np.abs(moves.e))
    feed = moves.feed
    if commands is not None and commands.changes:
        feed = feed * limits_per_move(len(moves), MachineLimits(), commands)["feed_factor"]
    return float(np.sum(distance / feed))


def _layer_count(moves: GcodeMoves) -> int:
    """Layers marked by `;LAYER_CHANGE`; for unmarked G-code, the distinct heights at which plastic flows."""
    if moves.layer_z:
        return len(moves.layer_z)
    extruding = (moves.e > 0.0) & np.any(moves.end[:, :2] != moves.start[:, :2], axis=1)
    return len(np.unique(np.round(moves.end[extruding, 2], 3)))
