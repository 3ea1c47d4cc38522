"""Benchmark: the print-time estimate against the slicers' own, and how long it takes.

Run by hand (not part of the test suite):  .venv/bin/python tests/benchmarks/bench_estimate.py [FILE.gcode ...]

Without arguments it reads PrusaSlicer's G-code of 3DBenchy and the 20 mm cube made by
/work/shared/bench/peers.sh (in /tmp/peerref), and the real files in the shared corpus. For each file it
prints our estimate, the slicer's (PrusaSlicer's normal mode, or Cura's ;TIME:), the error, the filament
length error where the file states one, and our runtime (parse, command scan, planning). The machine limits
are read from the file's PrusaSlicer configuration comments; a file without them is planned with
PrusaSlicer's defaults, and the table says so. Last, the planner alone on 200 000+ moves (3DBenchy repeated).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from slicing.gcode.commands import read_machine_commands  # noqa: E402
from slicing.gcode.estimate import estimate_gcode  # noqa: E402
from slicing.gcode.limits import MachineLimits, read_config_comments  # noqa: E402
from slicing.gcode.parse import GcodeMoves, parse_gcode  # noqa: E402

PEERS = Path("/tmp/peerref")
CORPUS = REPO.parent / "shared" / "corpus" / "gcode"
DEFAULT_FILES = [PEERS / "benchy" / "prusa.gcode", PEERS / "cube" / "prusa.gcode", *sorted(CORPUS.glob("*.gcode"))]
PLA = {"filament_diameter": 1.75, "filament_density": 1.24, "filament_cost": 20.0}
UNITS_S = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def reference(text: str) -> tuple[float | None, float | None, str]:
    """The slicer's own time (s) and filament length (mm), and whose they are."""
    prusa = re.search(r"^; estimated printing time \(normal mode\) = (.+)$", text, re.MULTILINE)
    if prusa:
        seconds = sum(int(value) * UNITS_S[unit] for value, unit in re.findall(r"(\d+)([dhms])", prusa.group(1)))
        length = re.search(r"^; filament used \[mm\] = (.+)$", text, re.MULTILINE)
        filament = sum(float(value) for value in length.group(1).split(",")) if length else None
        return float(seconds), filament, "PrusaSlicer"
    cura = re.search(r"^;TIME:(\d+)", text, re.MULTILINE)
    if cura:
        return float(cura.group(1)), None, "Cura"
    return None, None, "-"


def percent(ours: float, theirs: float | None) -> str:
    return f"{100.0 * (ours / theirs - 1.0):+.2f}%" if theirs else "-"


def bench_file(path: Path) -> None:
    text = path.read_text(errors="replace")
    config = read_config_comments(text)
    has_limits = any(key.startswith("machine_max_") for key in config)
    limits = MachineLimits.from_settings(config)
    started = time.perf_counter()
    moves = parse_gcode(text)
    parsed = time.perf_counter()
    commands = read_machine_commands(text)
    scanned = time.perf_counter()
    estimate = estimate_gcode(moves, **PLA, limits=limits, commands=commands)
    planned = time.perf_counter()
    ideal = estimate_gcode(moves, **PLA)
    ref_s, ref_mm, whose = reference(text)
    name = f"{path.parent.name}/{path.name}"
    print(
        f"{name[:48]:<48} {len(moves):>7} {estimate.time_s:>8.0f} {ideal.time_s:>8.0f} "
        f"{ref_s or float('nan'):>8.0f} {whose:<11} {percent(estimate.time_s, ref_s):>8} "
        f"{percent(estimate.filament_mm, ref_mm):>8} {1e3 * (parsed - started):>8.0f} "
        f"{1e3 * (scanned - parsed):>7.0f} {1e3 * (planned - scanned):>7.0f}  "
        f"{'file' if has_limits else 'DEFAULTS'}"
    )


def bench_planner(path: Path, at_least: int = 200_000) -> None:
    moves = parse_gcode(path.read_text())
    copies = -(-at_least // len(moves))
    big = dataclasses.replace(
        moves,
        **{name: np.concatenate([getattr(moves, name)] * copies) for name in ("start", "end", "e", "feed")},
        feature=np.repeat(moves.feature[:1], len(moves) * copies),
        layer=np.concatenate([moves.layer] * copies),
    )
    assert isinstance(big, GcodeMoves)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        estimate_gcode(big, **PLA, limits=MachineLimits())
        timings.append(time.perf_counter() - started)
    print(
        f"\nplanner alone on {len(big)} moves ({path.parent.name}/{path.name} x{copies}): "
        f"best {1e3 * min(timings):.0f} ms, median {1e3 * float(np.median(timings)):.0f} ms of 5 runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="G-code files (default: peers' and the corpus')")
    args = parser.parse_args()
    files = args.files or DEFAULT_FILES
    print(
        f"{'file':<48} {'moves':>7} {'ours s':>8} {'ideal s':>8} {'ref s':>8} {'reference':<11} "
        f"{'time err':>8} {'fil err':>8} {'parse ms':>8} {'scan ms':>7} {'plan ms':>7}  limits"
    )
    for path in files:
        if path.is_file():
            bench_file(path)
        else:
            print(f"{str(path)[:48]:<48} missing (run /work/shared/bench/peers.sh MESH {path.parent} prusa)")
    largest = max((path for path in files if path.is_file()), key=lambda p: p.stat().st_size, default=None)
    if largest is not None:
        bench_planner(largest)


if __name__ == "__main__":
    main()
