"""How long each move takes on a machine with acceleration limits and classic jerk, planned as Marlin does.

Every move is a trapezoid: it accelerates from its entry speed, cruises, and decelerates to its exit speed,
at one acceleration. The model follows Marlin's planner (and PrusaSlicer's GCodeProcessor, which mimics it):

- the cruise speed is the feed rate (times the M220 factor), lowered until no axis exceeds its M203 limit;
- the acceleration is M204's for printing, retracting (extruder alone) or travel (no filament), lowered
  until no axis exceeds its M201 limit;
- a move's safe speed is the speed it can start from or stop at without accelerating: its cruise speed,
  lowered so the axes jump by no more than their M205 jerk;
- the speed through a junction is the lower of the two cruise speeds, lowered so that no axis changes speed
  by more than its jerk (an axis that reverses counts its whole speed), or both safe speeds when they are
  higher;
- a backward pass lowers each entry speed so the machine can still slow down in time, a forward pass so it
  can speed up in time; the program starts, and the machine stops at a G4, M400 or tool change, at safe
  speed.

All per-move and per-junction quantities are numpy arrays. The two passes are the only sequential part;
each is a min-plus recurrence on squared speeds, E[i] = min(M[i], E[i+1] + 2·a·d), which a cumulative sum
and a cumulative minimum solve without a Python loop.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields

import numpy as np

from slicing.gcode.commands import MachineCommands
from slicing.gcode.limits import MachineLimits
from slicing.gcode.parse import GcodeMoves

_AXES = "xyze"
# Marlin keeps M220 between 10 % and 999 %.
_FEED_FACTOR_RANGE = (0.1, 9.99)


@dataclass(frozen=True)
class MovePlan:
    """The planned motion of every move, as (n,) arrays.

    entry, exit, cruise: speeds along the path in mm/s (cruise is the top speed the move would keep if it
    were long enough); acceleration: mm/s²; time_s: seconds the move takes.
    """

    entry: np.ndarray
    exit: np.ndarray
    cruise: np.ndarray
    acceleration: np.ndarray
    time_s: np.ndarray


def plan_moves(moves: GcodeMoves, limits: MachineLimits, commands: MachineCommands | None = None) -> MovePlan:
    """Plan every move of a program with the machine's limits and the firmware commands found in it."""
    count = len(moves)
    if count == 0:
        empty = np.zeros(0)
        return MovePlan(empty, empty, empty, empty, empty)
    state = limits_per_move(count, limits, commands)

    delta = np.empty((count, 4))
    delta[:, :3] = moves.end - moves.start
    delta[:, 3] = moves.e
    path = np.sqrt(np.einsum("ij,ij->i", delta[:, :3], delta[:, :3]))
    extruder_only = path == 0.0
    distance = np.where(extruder_only, np.abs(moves.e), path)
    # Share of the path each axis covers; the extruder's speed also scales with the M221 flow. A move that goes
    # nowhere (a start G-code's `G1 Z0.3` when already at 0.3) takes no time; divide by 1 to keep it finite.
    per_length = 1.0 / np.where(distance > 0.0, distance, 1.0)
    share = np.abs(delta) * per_length[:, None]
    direction = delta * per_length[:, None]
    direction[:, 3] *= state["flow_factor"]
    speed_share = np.abs(direction)

    feeding = moves.e != 0.0
    feed = moves.feed * state["feed_factor"]
    feed = np.maximum(feed, np.where(feeding, state["min_extruding_feedrate"], state["min_travel_feedrate"]))
    max_feed = _per_axis(state, "max_feedrate")
    with np.errstate(divide="ignore"):
        axis_cap = np.where(speed_share > 0.0, max_feed / (feed[:, None] * speed_share), np.inf)
    cruise = feed * np.minimum(1.0, axis_cap.min(axis=1))
    del axis_cap, max_feed  # the (n, 4) arrays go as soon as they are used: a program has many moves
    velocity = cruise[:, None] * direction

    acceleration = np.where(
        ~feeding,
        state["acceleration_travel"],
        np.where(extruder_only, state["acceleration_retracting"], state["acceleration_extruding"]),
    )
    with np.errstate(divide="ignore"):
        axis_accel_cap = np.where(share > 0.0, _per_axis(state, "max_acceleration") / share, np.inf)
    acceleration = np.minimum(acceleration, axis_accel_cap.min(axis=1))
    del axis_accel_cap, share, delta

    jerk = _per_axis(state, "max_jerk")
    safe = _safe_speed(cruise, velocity, speed_share, jerk)
    del speed_share
    max_entry = np.empty(count)
    max_entry[0] = safe[0]
    max_entry[1:] = _junction_speed(cruise, velocity, safe, jerk)
    starts = np.unique(np.array([0, *(commands.stops if commands else ())], dtype=np.int64))
    starts = starts[starts < count]
    max_entry[starts] = safe[starts]

    entry_sq, exit_sq = _plan_speeds(max_entry**2, 2.0 * acceleration * distance, safe**2, starts)
    entry = np.minimum(np.sqrt(entry_sq), cruise)
    exit_ = np.minimum(np.sqrt(exit_sq), cruise)
    time_s = _trapezoid_time(distance, entry, exit_, cruise, acceleration)
    return MovePlan(entry=entry, exit=exit_, cruise=cruise, acceleration=acceleration, time_s=time_s)


def limits_per_move(count: int, limits: MachineLimits, commands: MachineCommands | None) -> dict[str, np.ndarray]:
    """Every MachineLimits field, "feed_factor" and "flow_factor" as (count,) arrays: the value each move sees.

    A value set by a command holds from the move it is placed at. Accelerations set by M204 are capped by the
    machine's own (as PrusaSlicer caps them); values a machine cannot have (an acceleration or top speed of
    zero or less, a negative jerk) are ignored, and M220 is kept between 10 % and 999 % as Marlin keeps it.
    """
    base = {field.name: float(getattr(limits, field.name)) for field in fields(limits)}
    base.update(feed_factor=1.0, flow_factor=1.0)
    changes: dict[str, list[tuple[int, float]]] = {}
    for index, name, value in commands.changes if commands else ():
        if name in base and _plausible(name, value):
            changes.setdefault(name, []).append((index, value))
    state = {}
    for name, value in base.items():
        # A value no command changes is one number seen by every move: a read-only view, not a copy each.
        column = np.broadcast_to(value, count)
        if name in changes:
            at = np.array([index for index, _ in changes[name]], dtype=np.int64)
            values = np.array([value for _, value in changes[name]])
            latest = np.searchsorted(at, np.arange(count), side="right") - 1
            column = np.where(latest >= 0, values[np.maximum(latest, 0)], value)
        state[name] = column
    for name in ("acceleration_extruding", "acceleration_retracting", "acceleration_travel"):
        state[name] = np.minimum(state[name], base[name])
    state["feed_factor"] = np.clip(state["feed_factor"], *_FEED_FACTOR_RANGE)
    return state


def _plausible(name: str, value: float) -> bool:
    if not np.isfinite(value):
        return False
    if name.startswith(("max_acceleration", "acceleration", "max_feedrate")) or name == "feed_factor":
        return value > 0.0
    return value >= 0.0


def _per_axis(state: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    """The (n, 4) X, Y, Z, E columns of one kind of limit."""
    return np.stack([state[f"{prefix}_{axis}"] for axis in _AXES], axis=1)


def _safe_speed(cruise: np.ndarray, velocity: np.ndarray, speed_share: np.ndarray, jerk: np.ndarray) -> np.ndarray:
    """The speed a move can start from or stop at, Marlin's way.

    The first axis (X, Y, Z, E order) whose speed exceeds its jerk caps the move at that jerk; every further
    such axis caps it so that its own speed is its jerk.
    """
    over = np.abs(velocity) > jerk
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = np.where(over, jerk / speed_share, np.inf)
    rows = np.arange(len(cruise))
    first = np.argmax(over, axis=1)
    cap[rows, first] = np.where(over[rows, first], jerk[rows, first], np.inf)
    return np.minimum(cruise, cap.min(axis=1))


def _junction_speed(cruise: np.ndarray, velocity: np.ndarray, safe: np.ndarray, jerk: np.ndarray) -> np.ndarray:
    """The highest speed through each junction between consecutive moves, (n - 1,), by classic jerk.

    The junction is taken at the lower cruise speed; each axis's speed change there (its whole speed when it
    reverses) is compared with the jerk of the move that follows, and the speed scaled down to the tightest.
    When both moves could start or stop at their safe speeds at least as fast, the safe speed is used.
    """
    before, after = cruise[:-1], cruise[1:]
    shared = np.minimum(before, after)
    leaving = velocity[:-1] * (shared / before)[:, None]
    arriving = velocity[1:]
    change = np.where(
        leaving * arriving > 0.0,
        np.abs(leaving - arriving),
        np.maximum(np.abs(leaving), np.abs(arriving)),
    )
    limit = jerk[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(change > limit, limit / change, 1.0).min(axis=1)
    junction = shared * factor
    threshold = 0.99 * junction
    return np.where((safe[:-1] > threshold) & (safe[1:] > threshold), safe[1:], junction)


def _plan_speeds(
    max_entry_sq: np.ndarray, reach_sq: np.ndarray, safe_sq: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit speeds squared after the backward and forward passes, (n,) each.

    reach_sq[i] = 2·a·d is how much a move can change its squared speed. Between consecutive stops the moves
    join: the backward pass gives E[i] = min(M[i], E[i+1] + reach[i]) with the last move of a run leaving at
    its safe speed, the forward pass F[i] = min(E[i], F[i-1] + reach[i-1]). With C the running sum of reach,
    they are a reversed and a forward cumulative minimum of M + C and E - C.
    """
    entry_sq = np.empty_like(max_entry_sq)
    exit_sq = np.empty_like(max_entry_sq)
    bounds = [*starts.tolist(), len(max_entry_sq)]
    for start, stop in itertools.pairwise(bounds):
        ceiling = max_entry_sq[start:stop]
        running = np.concatenate(([0.0], np.cumsum(reach_sq[start:stop])))
        candidates = np.append(ceiling + running[:-1], safe_sq[stop - 1] + running[-1])
        backward = np.minimum.accumulate(candidates[::-1])[::-1][:-1] - running[:-1]
        forward = running[:-1] + np.minimum.accumulate(backward - running[:-1])
        forward = np.maximum(forward, 0.0)
        entry_sq[start:stop] = forward
        exit_sq[start : stop - 1] = forward[1:]
        exit_sq[stop - 1] = safe_sq[stop - 1]
    return entry_sq, exit_sq


def _trapezoid_time(
    distance: np.ndarray, entry: np.ndarray, exit_: np.ndarray, cruise: np.ndarray, acceleration: np.ndarray
) -> np.ndarray:
    """Seconds of each move: accelerate from entry, cruise, decelerate to exit; a short move never cruises."""
    accelerating = (cruise**2 - entry**2) / (2.0 * acceleration)
    decelerating = (cruise**2 - exit_**2) / (2.0 * acceleration)
    cruising = distance - accelerating - decelerating
    reaches = cruising >= 0.0
    # A move too short to reach its cruise speed peaks where the two ramps meet.
    peak_sq = np.maximum((2.0 * acceleration * distance + entry**2 + exit_**2) / 2.0, np.maximum(entry, exit_) ** 2)
    peak = np.where(reaches, cruise, np.sqrt(peak_sq))
    ramps = (2.0 * peak - entry - exit_) / acceleration
    return ramps + np.where(reaches, cruising, 0.0) / cruise
