"""G-code tools every process shares: fixed number formatting, parsing, and time/material estimation."""

from slicing.gcode.estimate import GcodeEstimate, estimate_gcode
from slicing.gcode.parse import GcodeMoves, parse_gcode

__all__ = ["GcodeEstimate", "GcodeMoves", "estimate_gcode", "parse_gcode"]
