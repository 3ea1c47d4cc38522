"""The moves a machine makes to run toolpaths, in order: what every post-processor writes and what the
run-time estimate plans, so both always describe the same program.

Between passes the tool rises to the safe height, moves there rapidly, drops rapidly to a little above
where the pass starts, and feeds down from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from slicing.cnc.tooling import CncMachine
from slicing.cnc.toolpath import Toolpath
from slicing.gcode.limits import MachineLimits
from slicing.gcode.parse import GcodeMoves
from slicing.gcode.planner import plan_moves

# Rapid moves stop this far above the start of a pass; the rest is fed, in case the stock is not flat.
APPROACH_CLEARANCE_MM = 1.0
# A move counts as a plunge when it goes down and moves sideways less than this.
_VERTICAL_MM = 1e-6


@dataclass(frozen=True)
class Motions:
    """start, end: (n, 3) positions in mm before and after each move (the machine starts at the safe height
    above the origin); rapid: (n,) G0 or not; feed_mm_min: (n,) the F of fed moves (0 for rapids);
    toolpath: (n,) index of the toolpath each move belongs to (so a preview can draw each operation)."""

    start: np.ndarray
    end: np.ndarray
    rapid: np.ndarray
    feed_mm_min: np.ndarray
    toolpath: np.ndarray


def motions(toolpaths: Sequence[Toolpath], safe_z_mm: float) -> Motions:
    """Every move of the toolpaths, in order, without moves that go nowhere."""
    ends: list[np.ndarray] = []
    rapid: list[np.ndarray] = []
    feeds: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    here = np.array([0.0, 0.0, safe_z_mm])
    for index, toolpath in enumerate(toolpaths):
        for points in toolpath.passes:
            first = points[0]
            approach = np.array([
                [here[0], here[1], safe_z_mm],
                [first[0], first[1], safe_z_mm],
                [first[0], first[1], min(first[2] + APPROACH_CLEARANCE_MM, safe_z_mm)],
            ])
            cut = np.vstack([approach[-1:], points])
            delta = np.diff(cut, axis=0)
            plunge = (np.linalg.norm(delta[:, :2], axis=1) < _VERTICAL_MM) & (delta[:, 2] < 0)
            feed = np.where(plunge, toolpath.cutting.plunge_mm_min, toolpath.cutting.feed_mm_min)
            ends += [approach, points, np.array([[points[-1][0], points[-1][1], safe_z_mm]])]
            rapid += [np.ones(3, bool), np.zeros(len(points), bool), np.ones(1, bool)]
            feeds += [np.zeros(3), feed, np.zeros(1)]
            owner.append(np.full(len(points) + 4, index))
            here = ends[-1][-1]
    if not ends:
        empty = np.zeros((0, 3))
        return Motions(empty, empty, np.zeros(0, bool), np.zeros(0), np.zeros(0, np.int64))
    end = np.vstack(ends)
    start = np.vstack([[0.0, 0.0, safe_z_mm], end[:-1]])
    moving = np.linalg.norm(end - start, axis=1) > 0.0
    # Dropping a move that goes nowhere changes no other move's start.
    return Motions(start[moving], end[moving], np.concatenate(rapid)[moving], np.concatenate(feeds)[moving],
                   np.concatenate(owner)[moving])


def run_time_s(moves: Motions, machine: CncMachine, dwell_s: float = 0.0) -> float:
    """Seconds to run the moves with the machine's rates and accelerations (slicing.gcode.planner), rapids at
    the axes' top rates, plus dwell_s of pauses (spindle start)."""
    if not len(moves.end):
        return dwell_s
    rate_mm_s = np.array(machine.max_rate_mm_min) / 60.0
    accel = machine.acceleration_mm_s2
    limits = MachineLimits(
        max_acceleration_x=accel[0], max_acceleration_y=accel[1], max_acceleration_z=max(accel[2], 1e-3),
        acceleration_extruding=max(accel), acceleration_retracting=max(accel), acceleration_travel=max(accel),
        max_feedrate_x=rate_mm_s[0], max_feedrate_y=rate_mm_s[1], max_feedrate_z=max(rate_mm_s[2], 1e-3),
        max_jerk_x=machine.corner_speed_mm_s, max_jerk_y=machine.corner_speed_mm_s,
        max_jerk_z=machine.corner_speed_mm_s,
    )
    count = len(moves.end)
    feed_mm_s = np.where(moves.rapid, float(rate_mm_s.max()), moves.feed_mm_min / 60.0)
    gcode_moves = GcodeMoves(start=moves.start, end=moves.end, e=np.zeros(count), feed=feed_mm_s,
                             feature=np.full(count, ""), layer=np.zeros(count, np.int64), layer_z=(),
                             dwell_s=0.0, unknown_commands=frozenset())
    return float(plan_moves(gcode_moves, limits).time_s.sum()) + dwell_s
