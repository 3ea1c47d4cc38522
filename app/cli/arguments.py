"""Arguments the sub-commands share: --json, --set KEY=VALUE, --printer/--material/--print, --preset,
and the placement of parts on the bed (--scale, --rotate, --copies, --spacing)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from app.errors import LocalfabError


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def add_set(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--set", dest="values", action="append", default=[], metavar="KEY=VALUE", help=help_text)


def add_machine(parser: argparse.ArgumentParser) -> None:
    from app.profiles.loader import DEFAULT_PRINT, DEFAULT_PRINTER

    parser.add_argument("--printer", default=DEFAULT_PRINTER, help=f"printer profile (default {DEFAULT_PRINTER})")
    parser.add_argument("--material", "--filament", dest="material", default=None,
                        help="material (filament) profile (default: the printer's)")
    parser.add_argument("--print", dest="print_profile", default=None, metavar="PROFILE",
                        help=f"print settings profile, e.g. 0.15mm-detail or 0.20mm-strong (default: the "
                             f"schema's defaults, which are {DEFAULT_PRINT}); --set values apply on top")


def add_placement(parser: argparse.ArgumentParser) -> None:
    """--scale, --rotate, --lay-flat, --copies and --spacing: how the parts are put on the bed."""
    group = parser.add_argument_group("placement on the bed")
    group.add_argument("--scale", default="1", metavar="F",
                       help="scale every part by F (e.g. 25.4 for a part drawn in inches), or per axis by X,Y,Z")
    group.add_argument("--rotate", type=float, default=0.0, metavar="DEG",
                       help="turn every part by DEG degrees about the vertical axis (counter-clockwise from above)")
    group.add_argument("--lay-flat", action="store_true",
                       help="lay every part on the largest flat side of its convex hull before the rest")
    group.add_argument("--copies", type=int, default=1, metavar="N", help="print N copies of every part")
    group.add_argument("--spacing", type=float, default=5.0, metavar="MM",
                       help="gap between parts arranged on the bed (default 5 mm)")


def add_preset(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", help="start from a saved preset (its name, or the path of a preset file); "
                                         "--set values apply on top")


def key_values(items: Sequence[str]) -> dict[str, str]:
    """`--set` items as a mapping; raises LocalfabError for an item that is not KEY=VALUE."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LocalfabError(f"--set {item!r} is not KEY=VALUE (for example --set width=60)")
        values[key.strip()] = value.strip()
    return values


def design_values(template: Any, preset: str | None, values: dict[str, Any]) -> dict[str, Any]:
    """The parameter values asked for: a preset's (if given) with `values` on top."""
    if not preset:
        return dict(values)
    from parametric_designs.presets import load_preset

    return {**load_preset(template, preset), **values}
