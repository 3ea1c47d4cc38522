"""Fixed text formatting of G-code numbers, so the same program always prints to the same bytes."""

from __future__ import annotations


def format_xyz(value_mm: float) -> str:
    """A coordinate in millimetres with exactly 3 decimals (1 µm); never prints "-0.000"."""
    return f"{round(value_mm, 3) + 0.0:.3f}"


def format_e(value_mm: float) -> str:
    """A filament length in millimetres with exactly 5 decimals; never prints "-0.00000"."""
    return f"{round(value_mm, 5) + 0.0:.5f}"


def format_feed(speed_mm_s: float) -> str:
    """A speed in mm/s as the integer mm/min that G-code's F word takes."""
    return str(round(speed_mm_s * 60.0))


def format_setting(value: object) -> str:
    """A setting value as text for G-code templates: numbers with at most 3 decimals, no trailing zeros."""
    if isinstance(value, int | float):
        return f"{round(float(value), 3) + 0.0:.3f}".rstrip("0").rstrip(".")
    return str(value)


def format_duration(seconds: float) -> str:
    """A duration as PrusaSlicer writes it: "1d 2h 3m 4s", "2h 3m 4s", "3m 4s" or "4s" (whole seconds)."""
    total = max(round(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m {secs}s"
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
