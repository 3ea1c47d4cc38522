"""Firmware commands inside a G-code program that change how the machine moves from where they stand.

M201 / M203 / M204 / M205 change the machine limits, M220 scales the feed rate, M221 the flow; G4, M400 and a
change of tool make the machine stop. Each is placed by the number of moves before it, so the planner applies
it from the next move on.

A move is counted as the parser records one: a G0/G1 that names an axis or the extruder. The parser also
leaves out a G0/G1 that names an axis but goes nowhere (such as `G1 Z0.2` at Z 0.2), so in such a program a
command may take effect a move or two late; the time that shifts is a fraction of a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# A G0/G1 line that names an axis or the extruder before any comment.
_MOVE_LINE = re.compile(r"^[ \t]*(?:N\d+[ \t]*)?G0*[01](?![\d.])[^;\n]*?[XYZE]", re.MULTILINE | re.IGNORECASE)
# A firmware command this module understands, with the rest of its line up to a comment.
_COMMAND_LINE = re.compile(
    r"^[ \t]*(?:N\d+[ \t]*)?(M20[1345]|M22[01]|M400|G0*4|T\d+)(?![\d.])([^;\n]*)", re.MULTILINE | re.IGNORECASE
)
# A parameter word: a letter and an optional number ("M220 B" names B without a value).
_PARAMETER = re.compile(r"([A-Z])[ \t]*([-+]?(?:\d+\.?\d*|\.\d+))?")

# Which MachineLimits field each axis letter of M201 / M203 / M205 sets.
_AXIS_FIELDS = {
    "M201": {"X": "max_acceleration_x", "Y": "max_acceleration_y", "Z": "max_acceleration_z",
             "E": "max_acceleration_e"},
    "M203": {"X": "max_feedrate_x", "Y": "max_feedrate_y", "Z": "max_feedrate_z", "E": "max_feedrate_e"},
    "M205": {"X": "max_jerk_x", "Y": "max_jerk_y", "Z": "max_jerk_z", "E": "max_jerk_e",
             "S": "min_extruding_feedrate", "T": "min_travel_feedrate"},
}  # fmt: skip


@dataclass(frozen=True)
class MachineCommands:
    """What a program's firmware commands change, in the order they come.

    changes: (move index, name, value) triples; the value holds from that move on. A name is a MachineLimits
    field (mm/s, mm/s²), "feed_factor" (M220, 1.0 = as written) or "flow_factor" (M221, 1.0 = as written).
    stops: the indices of moves the machine starts from standstill, because a G4, M400 or tool change came
    before them (the seconds a G4 waits are the parser's GcodeMoves.dwell_s).
    """

    changes: tuple[tuple[int, str, float], ...] = ()
    stops: tuple[int, ...] = ()

    def then(self, later: MachineCommands, moves_between: int) -> MachineCommands:
        """These commands followed by `later`'s, read from a text that starts `moves_between` moves on."""
        return MachineCommands(
            changes=self.changes + tuple((index + moves_between, name, value) for index, name, value in later.changes),
            stops=self.stops + tuple(index + moves_between for index in later.stops),
        )


def read_machine_commands(text: str) -> MachineCommands:
    """Find the limit, feed, flow, dwell and tool-change commands of a program and place them among its moves."""
    move_offsets = np.fromiter((match.start() for match in _MOVE_LINE.finditer(text)), dtype=np.int64)
    changes: list[tuple[int, str, float]] = []
    stops: list[int] = []
    feed_factor, saved_feed_factor, tool = 1.0, 1.0, 0

    for match in _COMMAND_LINE.finditer(text):
        index = int(np.searchsorted(move_offsets, match.start()))
        command = _command_name(match.group(1))
        params = {letter: value for letter, value in _PARAMETER.findall(match.group(2).upper())}
        numbers = {letter: float(value) for letter, value in params.items() if value}
        if command in _AXIS_FIELDS:
            if command == "M205" and "X" in numbers and "Y" not in numbers:
                numbers["Y"] = numbers["X"]  # Prusa firmware: M205 X sets the jerk of both X and Y
            fields = _AXIS_FIELDS[command]
            changes += [(index, fields[letter], value) for letter, value in numbers.items() if letter in fields]
        elif command == "M204":
            changes += [(index, name, value) for name, value in _accelerations(numbers)]
        elif command == "M220":
            # B saves the factor, R restores it, S sets it (in that order when given together).
            if "B" in params:
                saved_feed_factor = feed_factor
            if "S" in numbers:
                feed_factor = numbers["S"] / 100.0
            if "R" in params:
                feed_factor = saved_feed_factor
            changes.append((index, "feed_factor", feed_factor))
        elif command == "M221":
            if "S" in numbers and "T" not in params:  # with T it sets another extruder's flow
                changes.append((index, "flow_factor", numbers["S"] / 100.0))
        elif command in ("G4", "M400"):
            stops.append(index)
        elif command.startswith("T") and int(command[1:]) != tool:
            tool = int(command[1:])
            stops.append(index)
    return MachineCommands(changes=tuple(changes), stops=tuple(stops))


def count_move_lines(text: str) -> int:
    """How many lines of `text` are moves as read_machine_commands counts them."""
    return sum(1 for _ in _MOVE_LINE.finditer(text))


def _command_name(word: str) -> str:
    """G04 and G4 are the same command; tool numbers keep their value (T02 is T2)."""
    word = word.upper()
    return f"{word[0]}{int(word[1:])}"


def _accelerations(numbers: dict[str, float]) -> list[tuple[str, float]]:
    """M204 in either dialect: S (legacy) sets printing and travel, with T then retraction; else P, R, T."""
    if "S" in numbers:
        pairs = [("acceleration_extruding", numbers["S"]), ("acceleration_travel", numbers["S"])]
        if "T" in numbers:
            pairs.append(("acceleration_retracting", numbers["T"]))
        return pairs
    names = {"P": "acceleration_extruding", "R": "acceleration_retracting", "T": "acceleration_travel"}
    return [(names[letter], value) for letter, value in numbers.items() if letter in names]
