"""The result of FDM slicing: the machine program and what a person wants to know before printing it."""

from __future__ import annotations

from dataclasses import dataclass

from slicing.gcode.estimate import GcodeEstimate


@dataclass(frozen=True)
class FdmProgram:
    """gcode: the whole program; layer_z: top of each printed layer in mm, bottom first; estimate: time and
    material read back from the G-code; warnings: things a person should know, each saying what to do."""

    gcode: str
    layer_z: tuple[float, ...]
    estimate: GcodeEstimate
    warnings: tuple[str, ...]
