"""GRBL 1.1 laser G-code: dynamic power (M4) so the burn follows the head's real speed, S as a share of
the machine's $30, power only on feed moves (a G0 never carries S, and in laser mode GRBL keeps the beam off
on G0), air assist on M8 for layers that ask for it. Cut and engrave paths that follow circles go out as
arcs (G2/G3 with I and J, as the router's); fill rasters are straight lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from slicing.cnc.arcs import fit_arcs
from slicing.cnc.motion import Motions, run_time_s
from slicing.cnc.post import ProgramFile, comment_line
from slicing.cnc.tooling import CncMachine
from slicing.errors import SlicingError
from slicing.gcode.format import format_duration, format_xyz
from slicing.laser.plan import LaserLayer


def laser_program(layers: Sequence[LaserLayer], machine: CncMachine, title: str, material: str,
                  thickness_mm: float) -> ProgramFile:
    """One GRBL laser program running every layer, each its number of passes."""
    if machine.kind != "laser":
        raise SlicingError(f"{machine.name} is not a laser: choose a laser machine profile")
    s_max = machine.spindle_rpm_range[1]
    # Arcs are fitted once, to the drawing as it is, so moving it cannot change which ones are found.
    planned = [[_path_moves(path, layer.overscan_mm) for path in layer.paths] for layer in layers]
    shift = _work_offset(planned)
    body: list[str] = []
    moves: list[tuple[np.ndarray, bool, float]] = []
    air = False
    # GRBL keeps S and F until they change (and M4 S0 starts at S0): each is written only when it changes.
    modal = {"S": 0, "F": None}

    def feed_line(move: _HeadMove, start: np.ndarray, power: int, speed: int) -> str:
        end = move.through[-1] + shift
        if move.centre is None:
            words = [f"G1 X{format_xyz(end[0])} Y{format_xyz(end[1])}"]
        else:
            offset = move.centre - start
            words = [f"{'G3' if move.ccw else 'G2'} X{format_xyz(end[0])} Y{format_xyz(end[1])} "
                     f"I{format_xyz(offset[0])} J{format_xyz(offset[1])}"]
        for letter, value in (("S", power), ("F", speed)):
            if modal[letter] != value:
                modal[letter] = value
                words.append(f"{letter}{value}")
        return " ".join(words)

    here = np.zeros(2)
    for layer, path_moves in zip(layers, planned, strict=True):
        power = round(layer.setting.power_pct / 100.0 * s_max)
        speed = round(layer.setting.speed_mm_min)
        body.append(comment_line(f"layer {layer.operation}: {layer.setting.power_pct:g} % at {speed} mm/min, "
                             f"{layer.setting.passes} pass(es)"))
        if layer.setting.air_assist != air:
            air = layer.setting.air_assist
            body.append("M8" if air else "M9")
        for _ in range(layer.setting.passes):
            for move in (move for path in path_moves for move in path):
                if move.rapid:
                    end = move.through[-1] + shift
                    body.append(f"G0 X{format_xyz(end[0])} Y{format_xyz(end[1])}")
                else:
                    body.append(feed_line(move, here, power if move.burning else 0, speed))
                # The estimate plans the points an arc was fitted through: the arc's length, not its chord.
                moves += [(point, move.rapid, 0.0 if move.rapid else float(speed)) for point in move.through + shift]
                here = move.through[-1]
    seconds = _run_time(moves, machine)
    header = [
        comment_line(f"localfab laser: {title}"),
        comment_line(f"machine: {machine.name} [GRBL 1.1 laser mode, $30={s_max:g}]"),
        comment_line(f"stock: {thickness_mm:g} mm {material}"),
        comment_line(_zero_note(shift)),
        comment_line(f"estimated run time: {format_duration(seconds)}"),
    ]
    ending = ["M9"] * air + ["M5", "M2"]
    text = [*header, "G90 G94 G17 G21", "M4 S0", *body, *ending]
    return ProgramFile("laser.gcode", "\n".join(text) + "\n", (), seconds)


class _HeadMove(NamedTuple):
    """One move of the head: through, the (k, 2) mm points of the planned path it follows, ending where it
    ends; whether it is a rapid and whether the beam burns; for an arc, its centre (x, y) and direction."""

    through: np.ndarray
    rapid: bool
    burning: bool
    centre: np.ndarray | None = None
    ccw: bool = False


def _work_offset(planned: list[list[list[_HeadMove]]]) -> np.ndarray:
    """How far (x, y) mm the drawing is moved so no move of the head (a cut line half a kerf outside the
    drawing, a fill's overscan, an arc bulging past its chords) goes below X0 or Y0: nothing when none
    would, so a nested sheet keeps its corner at zero. planned: each layer's moves, path by path."""
    lowest = []
    for layer in planned:
        for path in layer:
            start = path[0].through[-1]
            for move in path:
                lowest.append(move.through.min(axis=0))
                if move.centre is not None:
                    lowest.append(_arc_lowest(start, move.through[-1], move.centre, move.ccw))
                start = move.through[-1]
    if not lowest:
        return np.zeros(2)
    return np.maximum(0.0, -np.min(lowest, axis=0))


def _arc_lowest(start: np.ndarray, end: np.ndarray, centre: np.ndarray, ccw: bool) -> np.ndarray:
    """The lowest x and y (mm) an arc from start to end round centre passes through."""
    radius = float(np.linalg.norm(start - centre))
    first, last = (float(np.arctan2(p[1] - centre[1], p[0] - centre[0])) for p in (start, end))
    if not ccw:
        first, last = last, first  # the same arc, run counter-clockwise
    lowest = np.minimum(start, end)
    # The circle is lowest in x at 180 degrees and in y at 270 degrees: the arc is there if it passes them.
    for axis, angle in ((0, np.pi), (1, 1.5 * np.pi)):
        if (angle - first) % (2 * np.pi) <= (last - first) % (2 * np.pi):
            lowest[axis] = centre[axis] - radius
    return lowest


def _zero_note(shift: np.ndarray) -> str:
    if not shift.any():
        return "zero: X0 Y0 at the front left corner of the sheet"
    return f"zero: drawing's front left corner at X{format_xyz(shift[0])} Y{format_xyz(shift[1])}; no move below X0 Y0"


def _path_moves(path: np.ndarray, overscan_mm: float) -> list[_HeadMove]:
    """The moves for one path: a rapid to its start, then feed moves, arcs where it follows a circle; a
    raster line gets unlit run-ups of overscan_mm at both ends."""
    if overscan_mm > 0 and len(path) == 2:
        direction = (path[1] - path[0]) / max(float(np.linalg.norm(path[1] - path[0])), 1e-9)
        before, after = path[0] - direction * overscan_mm, path[1] + direction * overscan_mm
        return [_HeadMove(before[None], True, False), _HeadMove(path[:1], False, False),
                _HeadMove(path[1:], False, True), _HeadMove(after[None], False, False)]
    moves = [_HeadMove(path[:1], True, False)]
    points, fitted = fit_arcs(np.column_stack([path, np.zeros(len(path))]))
    previous = 0
    for end, centre, ccw in fitted:
        moves.append(_HeadMove(points[previous + 1:end + 1, :2], False, True, centre, ccw))
        previous = end
    return moves


def _run_time(moves: list[tuple[np.ndarray, bool, float]], machine: CncMachine) -> float:
    if not moves:
        return 0.0
    end = np.array([[p[0], p[1], 0.0] for p, _, _ in moves])
    start = np.vstack([[0.0, 0.0, 0.0], end[:-1]])
    rapid = np.array([r for _, r, _ in moves])
    feed = np.array([f for _, _, f in moves])
    moving = np.linalg.norm(end - start, axis=1) > 0
    motions = Motions(start[moving], end[moving], rapid[moving], feed[moving], np.zeros(int(moving.sum()), np.int64))
    return run_time_s(motions, machine)
