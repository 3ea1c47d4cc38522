"""How the sub-commands print and write: JSON or a plain table, numbers and durations for people."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.errors import LocalfabError

EXIT_OK, EXIT_PROBLEM, EXIT_ERROR = 0, 1, 2


def emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    """Print `data` as JSON with --json, else the text `text()` makes for a person."""
    print(json.dumps(data, indent=2, sort_keys=True) if args.json else text())


def write_file(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise LocalfabError(f"cannot write {path}: {exc.strerror}") from exc


def table(header: list[str], rows: list[list[Any]]) -> str:
    """Columns padded to their widest cell; the last column runs free."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    lines = []
    for row in cells:
        lines.append("  ".join([c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)] + [row[-1]]).rstrip())
    return "\n".join(lines)


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"
