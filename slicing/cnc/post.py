"""Post-processors: toolpaths as programs for GRBL 1.1 and LinuxCNC.

Both write the same header (program, machine, tools, stock, zero point, estimated run time), fixed number
formatting (3 decimals for X/Y/Z, whole mm/min for F, whole rpm for S) and only the axes and feed that
change, so the same toolpaths always give the same bytes. Every pass ends with the tool at the safe height (and a
canned drill cycle returns there with G98), so a program stops the spindle and ends without another move.

GRBL 1.1 has no tool changer, canned cycles or cutter compensation: each tool gets a file of its own that
starts with a pause (M0) to fit it; drilling is written as plain moves. LinuxCNC gets one file, changes
tools with M6 and applies the tool length offset with G43, and drills with canned cycles (G81, G83 pecking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from slicing.cnc.arcs import fit_arcs
from slicing.cnc.grbl_rules import LINE_LIMIT
from slicing.cnc.motion import APPROACH_CLEARANCE_MM, Motions, motions, run_time_s
from slicing.cnc.tooling import CncMachine, Tool
from slicing.cnc.toolpath import Toolpath
from slicing.gcode.format import format_duration, format_xyz


@dataclass(frozen=True)
class Stock3:
    """The sheet: size in mm, its material's name, and where the program's zero is."""

    width_mm: float
    height_mm: float
    thickness_mm: float
    material: str
    zero: str = "X0 Y0 at the front left corner of the sheet, Z0 on its top face"


@dataclass(frozen=True)
class ProgramFile:
    """One file to run: its name, text, the tool it uses (None: several, LinuxCNC) and run time in seconds."""

    name: str
    text: str
    tools: tuple[Tool, ...]
    run_time_s: float


def post_program(toolpaths: Sequence[Toolpath], machine: CncMachine, stock: Stock3, title: str) -> list[ProgramFile]:
    """The machine's program file(s) for the toolpaths, by its post-processor."""
    if machine.post == "linuxcnc":
        return [_linuxcnc(toolpaths, machine, stock, title)]
    return _grbl(toolpaths, machine, stock, title)


def _grbl(toolpaths: Sequence[Toolpath], machine: CncMachine, stock: Stock3, title: str) -> list[ProgramFile]:
    files = []
    for run, (number, tool, group) in enumerate(_tool_runs(toolpaths), start=1):
        moves = motions(group, machine.safe_z_mm)
        seconds = run_time_s(moves, machine, machine.spindle_dwell_s)
        lines = _header(title, machine, stock, [(number, tool)], seconds, "GRBL 1.1")
        lines += ["G90 G94 G17 G21", f"G0 Z{format_xyz(machine.safe_z_mm)}"]
        if run > 1:
            lines += ["M5", comment_line(f"fit T{number}: {tool.name}, zero Z, then resume"), "M0"]
        lines += _spindle_on(group[0], machine)
        lines += _feed_moves(moves)
        lines += ["M5", "M30"]
        name = f"{run:02d}-{tool.id}.nc"
        files.append(ProgramFile(name, _text(lines), (tool,), seconds))
    return files


def _linuxcnc(toolpaths: Sequence[Toolpath], machine: CncMachine, stock: Stock3, title: str) -> ProgramFile:
    runs = _tool_runs(toolpaths)
    all_moves = motions(toolpaths, machine.safe_z_mm)
    seconds = run_time_s(all_moves, machine, machine.spindle_dwell_s * len(runs))
    numbered = sorted({number: tool for number, tool, _ in runs}.items())
    lines = _header(title, machine, stock, numbered, seconds, "LinuxCNC")
    lines += ["G90 G94 G17 G21 G40 G49 G80", f"G0 Z{format_xyz(machine.safe_z_mm)}"]
    for number, _, group in runs:
        lines += ["M5", f"T{number} M6", f"G43 H{number}"]
        lines += _spindle_on(group[0], machine)
        for toolpath in group:
            if toolpath.kind == "drill":
                lines += _canned_drill(toolpath, machine)
            else:
                lines += _feed_moves(motions([toolpath], machine.safe_z_mm))
    lines += ["M5", "M2"]
    return ProgramFile("program.ngc", _text(lines), tuple(tool for _, tool in numbered), seconds)


def _tool_runs(toolpaths: Sequence[Toolpath]) -> list[tuple[int, Tool, list[Toolpath]]]:
    """The toolpaths in their cutting order, in runs of one tool, each with its tool's number (by first use).

    A tool comes back for a later run rather than have its work moved: a pocket's rest is cleared by a small
    tool between the big tool's pocket and its outside profile, while the part is still held by the sheet."""
    numbers: dict[str, int] = {}
    runs: list[tuple[int, Tool, list[Toolpath]]] = []
    for toolpath in toolpaths:
        if runs and runs[-1][1].id == toolpath.tool.id:
            runs[-1][2].append(toolpath)
        else:
            runs.append((numbers.setdefault(toolpath.tool.id, len(numbers) + 1), toolpath.tool, [toolpath]))
    return runs


def _header(title: str, machine: CncMachine, stock: Stock3, tools: list[tuple[int, Tool]], seconds: float,
            dialect: str) -> list[str]:
    lines = [
        comment_line(f"localfab CAM: {title}"),
        comment_line(f"machine: {machine.name} ({dialect})"),
        comment_line(f"stock: {stock.width_mm:g} x {stock.height_mm:g} x {stock.thickness_mm:g} mm {stock.material}"),
        comment_line(f"zero: {stock.zero}"),
        comment_line(f"estimated run time: {format_duration(seconds)}"),
    ]
    lines += [comment_line(f"T{number}: {tool.name}") for number, tool in tools]
    return lines


def _spindle_on(toolpath: Toolpath, machine: CncMachine) -> list[str]:
    rpm = round(toolpath.cutting.spindle_rpm)
    return [f"M3 S{rpm}", f"G4 P{machine.spindle_dwell_s:.1f}"]


def _feed_moves(moves: Motions) -> list[str]:
    """G0/G1/G2/G3 lines naming only the axes that change, and F only when it changes; fed stretches that
    follow a circle or helix become arcs with I and J."""
    lines: list[str] = []
    last = ["", "", ""]
    feed: int | None = None

    def emit(command: str, end: np.ndarray, extra: str = "", feed_mm_min: float | None = None) -> None:
        nonlocal feed
        words = [command]
        for axis, value in enumerate(end):
            text = format_xyz(float(value))
            if text != last[axis] or (command in ("G2", "G3") and axis < 2):
                words.append(f"{'XYZ'[axis]}{text}")
                last[axis] = text
        if len(words) == 1:
            return  # rounds to where the tool already is
        if extra:
            words.append(extra)
        if feed_mm_min is not None and round(feed_mm_min) != feed:
            feed = round(feed_mm_min)
            words.append(f"F{feed}")
        lines.append(" ".join(words))

    index = 0
    count = len(moves.end)
    arcs_found: dict = {}
    while index < count:
        if moves.rapid[index]:
            emit("G0", moves.end[index])
            index += 1
            continue
        stop = index
        while stop < count and not moves.rapid[stop] and moves.feed_mm_min[stop] == moves.feed_mm_min[index]:
            stop += 1
        points, fitted = fit_arcs(np.vstack([moves.start[index:index + 1], moves.end[index:stop]]), arcs_found)
        previous = 0
        for end, centre, ccw in fitted:
            if centre is None:
                emit("G1", points[end], feed_mm_min=moves.feed_mm_min[index])
            else:
                offset = centre - points[previous][:2]
                emit("G3" if ccw else "G2", points[end], f"I{format_xyz(offset[0])} J{format_xyz(offset[1])}",
                     moves.feed_mm_min[index])
            previous = end
        index = stop
    return lines


def _canned_drill(toolpath: Toolpath, machine: CncMachine) -> list[str]:
    """LinuxCNC drilling: G81, or G83 with Q when the pass pecks, retracting to R (G98 back to the safe Z)."""
    depth = format_xyz(-toolpath.depth_mm)
    retract = format_xyz(APPROACH_CLEARANCE_MM)
    feed = round(toolpath.cutting.plunge_mm_min)
    if toolpath.peck_mm > 0:
        cycle = f"G98 G83 Z{depth} R{retract} Q{format_xyz(toolpath.peck_mm)} F{feed}"
    else:
        cycle = f"G98 G81 Z{depth} R{retract} F{feed}"
    lines = []
    for index, (x, y) in enumerate(toolpath.holes):
        position = f"X{format_xyz(x)} Y{format_xyz(y)}"
        lines.append(f"{cycle} {position}" if index == 0 else position)
    return [*lines, "G80"]


def comment_line(text: str) -> str:
    """A parenthesised comment fitting GRBL's line buffer, without the brackets that would end it early."""
    clean = text.replace("(", "[").replace(")", "]")
    clean = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in clean)
    return f"({clean[:LINE_LIMIT - 2]})"


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
