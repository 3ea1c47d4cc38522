"""GRBL 1.1 laser G-code: dynamic power (M4) so the burn follows the head's real speed, S as a share of
the machine's $30, power only on feed moves (a G0 never carries S, and in laser mode GRBL keeps the beam off
on G0), air assist on M8 for layers that ask for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
    shift = work_offset(layers)
    body: list[str] = []
    moves: list[tuple[np.ndarray, bool, float]] = []
    air = False
    # GRBL keeps S and F until they change (and M4 S0 starts at S0): each is written only when it changes.
    modal = {"S": 0, "F": None}

    def feed_line(point: np.ndarray, power: int, speed: int) -> str:
        words = [f"G1 X{format_xyz(point[0])} Y{format_xyz(point[1])}"]
        for letter, value in (("S", power), ("F", speed)):
            if modal[letter] != value:
                modal[letter] = value
                words.append(f"{letter}{value}")
        return " ".join(words)

    for layer in layers:
        power = round(layer.setting.power_pct / 100.0 * s_max)
        speed = round(layer.setting.speed_mm_min)
        body.append(comment_line(f"layer {layer.operation}: {layer.setting.power_pct:g} % at {speed} mm/min, "
                             f"{layer.setting.passes} pass(es)"))
        if layer.setting.air_assist != air:
            air = layer.setting.air_assist
            body.append("M8" if air else "M9")
        for _ in range(layer.setting.passes):
            for path in layer.paths:
                for point, rapid, burn in _path_moves(path + shift, layer.overscan_mm):
                    if rapid:
                        body.append(f"G0 X{format_xyz(point[0])} Y{format_xyz(point[1])}")
                    else:
                        body.append(feed_line(point, power if burn else 0, speed))
                    moves.append((point, rapid, 0.0 if rapid else float(speed)))
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


def work_offset(layers: Sequence[LaserLayer]) -> np.ndarray:
    """How far (x, y) mm the drawing is moved so no move of the head (a cut line half a kerf outside the
    drawing, a fill's overscan) goes below X0 or Y0: nothing when none would, so a nested sheet keeps its
    corner at zero."""
    points = [point for layer in layers for path in layer.paths
              for point, _, _ in _path_moves(path, layer.overscan_mm)]
    if not points:
        return np.zeros(2)
    return np.maximum(0.0, -np.min(points, axis=0))


def _zero_note(shift: np.ndarray) -> str:
    if not shift.any():
        return "zero: X0 Y0 at the front left corner of the sheet"
    return f"zero: drawing's front left corner at X{format_xyz(shift[0])} Y{format_xyz(shift[1])}; no move below X0 Y0"


def _path_moves(path: np.ndarray, overscan_mm: float) -> list[tuple[np.ndarray, bool, bool]]:
    """(point, rapid, burning) for one path: a rapid to its start, then feed moves; a raster line gets
    unlit run-ups of overscan_mm at both ends."""
    if overscan_mm > 0 and len(path) == 2:
        direction = (path[1] - path[0]) / max(float(np.linalg.norm(path[1] - path[0])), 1e-9)
        before, after = path[0] - direction * overscan_mm, path[1] + direction * overscan_mm
        return [(before, True, False), (path[0], False, False), (path[1], False, True), (after, False, False)]
    return [(path[0], True, False)] + [(point, False, True) for point in path[1:]]


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
