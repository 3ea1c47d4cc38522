"""The machine limits as firmware commands at the start of a program (PrusaSlicer's machine_limits_usage =
emit_to_gcode): the printer then moves with the limits the time estimate planned with."""

from __future__ import annotations

from slicing.fdm.settings import FdmSettings

# Flavours whose firmware takes Marlin's M201 / M203 / M204 (P R T) / M205 (X Y Z E jerk).
FLAVORS_WITH_MARLIN_LIMITS = ("marlin2",)


def machine_limits_gcode(settings: FdmSettings) -> list[str]:
    """M201 (accelerations, mm/s²), M203 (feed rates, mm/s), M204 (printing, retract and travel
    acceleration) and M205 (jerk, mm/s) lines from the machine_max_* settings; none unless
    emit_machine_limits is on and the flavour is Marlin 2."""
    if not settings.emit_machine_limits or settings.gcode_flavor not in FLAVORS_WITH_MARLIN_LIMITS:
        return []

    def axes(kind: str, letters: str = "xyze") -> str:
        return " ".join(f"{letter.upper()}{_number(getattr(settings, f'machine_max_{kind}_{letter}'))}"
                        for letter in letters)

    return [
        f"M201 {axes('acceleration')} ; sets maximum accelerations, mm/sec^2",
        f"M203 {axes('feedrate')} ; sets maximum feedrates, mm/sec",
        f"M204 P{_number(settings.machine_max_acceleration_extruding)} "
        f"R{_number(settings.machine_max_acceleration_retracting)} "
        f"T{_number(settings.machine_max_acceleration_travel)} "
        "; sets acceleration (P, T) and retract acceleration (R), mm/sec^2",
        f"M205 {axes('jerk')} ; sets the jerk limits, mm/sec",
    ]


def _number(value: float) -> str:
    """Whole numbers without decimals, others with at most two (as PrusaSlicer writes the limits)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
