"""G-code read back into arrays of moves, for the estimator, previews and checks.

The dialect is Marlin 2 with PrusaSlicer's structured comments (`;LAYER_CHANGE`, `;Z:`, `;TYPE:`), which is
what the FDM slicer writes and what most slicers can be told to write.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass

import numpy as np

# Commands that are understood and do not move the head in a way that matters for time or material.
NON_MOVING_COMMANDS = frozenset(
    {
        "G21", "G29", "M17", "M18", "M73", "M84", "M104", "M105", "M106", "M107", "M109", "M114",
        "M117", "M140", "M190", "M201", "M203", "M204", "M205", "M220", "M221", "M400", "M900", "T0",
        # RepRapFirmware's G10 P<tool> S<temperature> sets a tool's temperature. (Marlin's bare G10 is a
        # firmware retract, which no localfab flavour writes.)
        "G10",
    }
)  # fmt: skip
# Klipper's extended commands (a name, then KEY=VALUE words) that do not move the head.
EXTENDED_COMMANDS = frozenset({"SET_PRINT_STATS_INFO"})
# Commands that change the parser's state; together with G0/G1 and NON_MOVING_COMMANDS these are known.
STATE_COMMANDS = frozenset({"G4", "G28", "G90", "G91", "G92", "M82", "M83"})

# Marlin moves at 1500 mm/min until the program sets a feed rate.
FIRMWARE_DEFAULT_FEED_MM_S = 25.0

_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


@dataclass(frozen=True)
class GcodeMoves:
    """Every G0/G1 that moves an axis or the filament, as parallel arrays with one row per move.

    start, end: (n, 3) positions in mm; e: (n,) filament in mm pushed (+) or pulled back (-) during the move,
    whatever the extrusion mode of the file; feed: (n,) mm/s; feature: (n,) the `;TYPE:` in force ("" before
    the first); layer: (n,) index of the `;LAYER_CHANGE` in force (-1 before the first). layer_z holds the
    `;Z:` of each layer change (nan when a layer gave none). dwell_s is the total of G4 pauses.
    unknown_commands names every command the parser skipped without understanding it.
    """

    start: np.ndarray
    end: np.ndarray
    e: np.ndarray
    feed: np.ndarray
    feature: np.ndarray
    layer: np.ndarray
    layer_z: tuple[float, ...]
    dwell_s: float
    unknown_commands: frozenset[str]

    def __len__(self) -> int:
        return len(self.e)


class _MachineState:
    """Position and modes of a Marlin 2 machine as the program drives it."""

    def __init__(self) -> None:
        self.position = [0.0, 0.0, 0.0]
        self.e_position = 0.0
        self.feed = FIRMWARE_DEFAULT_FEED_MM_S
        self.relative_xyz = False
        self.relative_e = False

    def set_relative(self, relative: bool) -> None:
        # Marlin 2 G90/G91 set every axis, the extruder included, overriding an earlier M82/M83.
        self.relative_xyz = relative
        self.relative_e = relative


def parse_gcode(text: str) -> GcodeMoves:
    """Read G-code text into GcodeMoves; commands the parser does not know are listed, not fatal."""
    state = _MachineState()
    starts: list[tuple[float, float, float]] = []
    ends: list[tuple[float, float, float]] = []
    extrusions: list[float] = []
    feeds: list[float] = []
    features: list[str] = []
    layers: list[int] = []
    layer_z: list[float] = []
    unknown: set[str] = set()
    feature = ""
    dwell_s = 0.0

    for line in text.splitlines():
        code, has_comment, comment = line.partition(";")
        if has_comment:
            if comment.startswith("TYPE:"):
                feature = comment[5:].strip()
            elif comment.startswith("LAYER_CHANGE"):
                layer_z.append(math.nan)
            elif comment.startswith("Z:") and layer_z:
                with contextlib.suppress(ValueError):  # a garbled comment leaves the height unknown
                    layer_z[-1] = float(comment[2:])
        code = code.partition("*")[0].strip().upper()
        if not code:
            continue
        if code.split()[0] in EXTENDED_COMMANDS:
            continue
        words = _WORD.findall(code)
        if words and words[0][0] == "N":
            words = words[1:]
        if not words:
            unknown.add(code.split()[0])
            continue
        command = _command_name(*words[0])
        if command in ("G0", "G1"):
            params = {letter: float(value) for letter, value in words[1:]}
            start = tuple(state.position)
            e = _apply_move(state, params)
            end = tuple(state.position)
            if end != start or e != 0.0:
                starts.append(start)
                ends.append(end)
                extrusions.append(e)
                feeds.append(state.feed)
                features.append(feature)
                layers.append(len(layer_z) - 1)
        elif command in STATE_COMMANDS:
            dwell_s += _apply_state_command(state, command, words[1:], code)
        elif command not in NON_MOVING_COMMANDS:
            unknown.add(command)

    return GcodeMoves(
        start=np.array(starts, dtype=np.float64).reshape(-1, 3),
        end=np.array(ends, dtype=np.float64).reshape(-1, 3),
        e=np.array(extrusions, dtype=np.float64),
        feed=np.array(feeds, dtype=np.float64),
        feature=np.array(features, dtype=str),
        layer=np.array(layers, dtype=np.int64),
        layer_z=tuple(layer_z),
        dwell_s=dwell_s,
        unknown_commands=frozenset(unknown),
    )


def _command_name(letter: str, number: str) -> str:
    """The command's name: G01 and G1 are the same command; sub-codes such as M569.1 stay as written."""
    value = float(number)
    return f"{letter}{int(value)}" if value.is_integer() else f"{letter}{number}"


def _apply_move(state: _MachineState, params: dict[str, float]) -> float:
    """Advance the state by one G0/G1; returns the filament moved in mm."""
    feed_mm_min = params.get("F", 0.0)
    if feed_mm_min > 0.0:
        state.feed = feed_mm_min / 60.0
    for axis, letter in enumerate("XYZ"):
        if letter in params:
            value = params[letter]
            state.position[axis] = state.position[axis] + value if state.relative_xyz else value
    if "E" not in params:
        return 0.0
    value = params["E"]
    if state.relative_e:
        state.e_position += value
        return value
    moved = value - state.e_position
    state.e_position = value
    return moved


def _apply_state_command(state: _MachineState, command: str, words: list[tuple[str, str]], code: str) -> float:
    """Apply a mode, homing or position-setting command; returns the seconds it pauses (G4)."""
    params = {letter: float(value) for letter, value in words}
    if command == "G90":
        state.set_relative(False)
    elif command == "G91":
        state.set_relative(True)
    elif command == "M82":
        state.relative_e = False
    elif command == "M83":
        state.relative_e = True
    elif command == "G92":
        # A bare G92 zeroes every axis; otherwise only the named ones take the given values.
        named = params or {"X": 0.0, "Y": 0.0, "Z": 0.0, "E": 0.0}
        for axis, letter in enumerate("XYZ"):
            if letter in named:
                state.position[axis] = named[letter]
        if "E" in named:
            state.e_position = named["E"]
    elif command == "G28":
        # Homing ends at the axis origin; a bare G28 homes all three axes. Axes are named without values
        # ("G28 X Y"), so they are read from the words rather than from the parameters.
        named = {token[0] for token in code.split()[1:]}
        for axis, letter in enumerate("XYZ"):
            if letter in named or not named & {"X", "Y", "Z"}:
                state.position[axis] = 0.0
    elif command == "G4":
        return params.get("S", 0.0) + params.get("P", 0.0) / 1000.0
    return 0.0
