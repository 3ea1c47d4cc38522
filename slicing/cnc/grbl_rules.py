"""GRBL 1.1's rules for a line of G-code, as a checker: what the firmware accepts (its documented
"supported G-codes" list), the 80-character line buffer, a feed before the first feed move, arcs by centre
offsets whose start and end radii agree as GRBL demands (within 0.005 mm, or 0.1 % of the radius up to
0.5 mm), a dwell after a spindle start, and for lasers no power on a rapid move.

A post-processor's output is checked line by line; every broken rule is named with its line number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

LINE_LIMIT = 80
SUPPORTED_G = frozenset({
    "0", "1", "2", "3", "4", "10", "17", "18", "19", "20", "21", "28", "28.1", "30", "30.1", "38.2", "38.3",
    "38.4", "38.5", "40", "43.1", "49", "53", "54", "55", "56", "57", "58", "59", "61", "80", "90", "91",
    "91.1", "92", "92.1", "93", "94",
})  # fmt: skip
SUPPORTED_M = frozenset({"0", "1", "2", "3", "4", "5", "7", "8", "9", "30", "56"})
WORD_LETTERS = frozenset("FGIJKLMNPRSTXYZ")
_WORD = re.compile(r"([A-Z])([-+]?(?:\d+\.?\d*|\.\d+))")
_COMMENT = re.compile(r"\([^()]*\)|;.*$")


@dataclass(frozen=True)
class GrblDialect:
    """s_max: the machine's $30 (largest S); laser: the program drives a laser in laser mode ($32=1), where
    power must come with M4 and never with G0; spindle_dwell: a G4 must follow a spindle start."""

    s_max: float
    laser: bool = False
    spindle_dwell: bool = True


def grbl_violations(text: str, dialect: GrblDialect) -> list[str]:
    """Every rule a program breaks, as "line N: what is wrong"."""
    problems: list[str] = []
    feed_set = False
    waiting_for_dwell = False
    position = [0.0, 0.0]
    for number, line in enumerate(text.splitlines(), start=1):
        problems += [f"line {number}: {p}" for p in _line_problems(line)]
        code = _COMMENT.sub("", line).replace(" ", "").upper()
        words = _WORD.findall(code)
        if "".join(letter + value for letter, value in words) != code:
            continue  # already reported as unreadable
        commands = {f"{letter}{float(value):g}" for letter, value in words if letter in "GM"}
        params = {letter: float(value) for letter, value in words if letter not in "GM"}
        if "F" in params:
            feed_set = params["F"] > 0
        if commands & {"G1", "G2", "G3"} and not feed_set:
            problems.append(f"line {number}: a feed move before any feed rate (F) is set")
        if commands & {"G2", "G3"}:
            if "R" in params or not {"I", "J"} & set(params):
                problems.append(f"line {number}: arcs must give their centre with I and J, not R")
            elif not _radii_agree(position, params):
                problems.append(f"line {number}: the arc's end is not on its circle (GRBL error 33)")
        if commands & {"G0", "G1", "G2", "G3"}:
            position = [params.get("X", position[0]), params.get("Y", position[1])]
        if "S" in params and not 0.0 <= params["S"] <= dialect.s_max:
            problems.append(f"line {number}: S{params['S']:g} is outside 0-{dialect.s_max:g} ($30)")
        if dialect.laser:
            if "M3" in commands:
                problems.append(f"line {number}: a laser runs in dynamic power mode: use M4, not M3")
            if "G0" in commands and "S" in params:
                problems.append(f"line {number}: a rapid move (G0) must not set laser power")
        if dialect.spindle_dwell and not dialect.laser:
            if commands & {"M3", "M4"}:
                waiting_for_dwell = True
            elif "G4" in commands:
                waiting_for_dwell = False
            elif waiting_for_dwell and commands & {"G1", "G2", "G3"}:
                problems.append(f"line {number}: cutting before the spindle is up to speed: dwell (G4) after M3")
    return problems


def _radii_agree(start: list[float], params: dict[str, float]) -> bool:
    """GRBL's arc check: the radius to the start (from I, J) and to the end may differ by 0.005 mm, or by
    more only when that is within 0.1 % of the radius and at most 0.5 mm."""
    centre = (start[0] + params.get("I", 0.0), start[1] + params.get("J", 0.0))
    radius = math.hypot(params.get("I", 0.0), params.get("J", 0.0))
    end_radius = math.hypot(params.get("X", start[0]) - centre[0], params.get("Y", start[1]) - centre[1])
    delta = abs(end_radius - radius)
    return delta <= 0.005 or (delta <= 0.5 and delta <= 0.001 * radius)


def _line_problems(line: str) -> list[str]:
    problems = []
    if len(line) > LINE_LIMIT:
        problems.append(f"{len(line)} characters, over GRBL's {LINE_LIMIT}-character line buffer")
    if not line.isascii() or any(not (ch.isprintable()) for ch in line):
        problems.append("characters outside printable ASCII")
    code = _COMMENT.sub("", line)
    if "(" in code or ")" in code:
        problems.append("an unclosed or nested comment")
    code = code.replace(" ", "").upper()
    words = _WORD.findall(code)
    if "".join(letter + value for letter, value in words) != code:
        problems.append(f"cannot be read as G-code words: {code!r}")
        return problems
    seen: dict[str, int] = {}
    for letter, value in words:
        if letter not in WORD_LETTERS:
            problems.append(f"GRBL has no {letter} word")
        if letter == "G" and f"{float(value):g}" not in SUPPORTED_G:
            problems.append(f"GRBL does not support G{value} (no canned cycles, no cutter compensation)")
        if letter == "M" and f"{float(value):g}" not in SUPPORTED_M:
            problems.append(f"GRBL does not support M{value} (a tool change is a pause, M0, not M6)")
        if letter not in "GM":
            seen[letter] = seen.get(letter, 0) + 1
            if seen[letter] == 2:
                problems.append(f"the {letter} word appears twice")
    motions = [value for letter, value in words if letter == "G" and f"{float(value):g}" in {"0", "1", "2", "3"}]
    if len(motions) > 1:
        problems.append("two motion commands on one line")
    return problems
