"""Arguments the sub-commands share: --json, --set KEY=VALUE, --printer/--material, --preset."""

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
    from app.profiles.loader import DEFAULT_PRINTER

    parser.add_argument("--printer", default=DEFAULT_PRINTER, help=f"printer profile (default {DEFAULT_PRINTER})")
    parser.add_argument("--material", "--filament", dest="material", default=None,
                        help="material (filament) profile (default: the printer's)")


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
