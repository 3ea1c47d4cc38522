"""Benchmark: whole-process `localfab slice` against CuraEngine and PrusaSlicer with matching settings.

Run by hand (not part of the test suite):
    .venv/bin/python tests/benchmarks/bench_slice.py [MESH] [--runs N] [--layer-heights 0.1,0.2,0.3]
        [--triangle-counts]

Each round runs localfab, CuraEngine and PrusaSlicer one after the other (through ../shared/bench/peers.sh,
which installs the peers from Debian and holds their settings: 0.2 mm layers, 2 perimeters, 4 top / 4 bottom,
15% grid infill, 1 skirt loop, no supports, 350 x 350 mm bed), and records each process's wall time and peak
memory (the kernel's rusage of the finished child). It prints medians and the ratios per round, since this
machine's speed drifts by 20% and more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
PEERS = SHARED / "bench" / "peers.sh"
# The settings of peer_prusa.ini in localfab's terms.
MATCHING = ["bed_size_x=350", "bed_size_y=350", "layer_height=0.2", "first_layer_height=0.2", "perimeters=2",
            "top_solid_layers=4", "bottom_solid_layers=4", "infill_density=15", "infill_pattern=grid", "skirt_loops=1",
            "temperature=210", "first_layer_temperature=215", "bed_temperature=60"]


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one whole process (its output thrown away)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, usage.ru_maxrss / 1024


def localfab_command(mesh: Path, out: Path, extra: list[str]) -> list[str]:
    settings = [arg for setting in MATCHING + extra for arg in ("--set", setting)]
    return [str(REPO / ".venv" / "bin" / "localfab"), "slice", str(mesh), *settings, "-o", str(out / "ours.gcode")]


def compare(mesh: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        commands = {
            "localfab": localfab_command(mesh, out, []),
            "CuraEngine": ["bash", str(PEERS), str(mesh), str(out), "cura"],
            "PrusaSlicer": ["bash", str(PEERS), str(mesh), str(out), "prusa"],
        }
        for command in commands.values():  # warm-up: installs, caches, the STL conversion for CuraEngine
            run(command)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                results[name].append(run(command))
    print(f"{mesh.name}: {runs} rounds, whole process, medians")
    for name, values in results.items():
        walls = [w for w, _ in values]
        print(f"  {name:<12} wall {statistics.median(walls):6.2f} s (min {min(walls):.2f}, max {max(walls):.2f})"
              f"   peak memory {statistics.median(m for _, m in values):6.0f} MiB")
    ours = results["localfab"]
    for peer in ("CuraEngine", "PrusaSlicer"):
        wall_ratio = statistics.median(a[0] / b[0] for a, b in zip(ours, results[peer], strict=True))
        memory_ratio = statistics.median(a[1] / b[1] for a, b in zip(ours, results[peer], strict=True))
        print(f"  localfab / {peer:<12} wall ratio {wall_ratio:.2f}   memory ratio {memory_ratio:.2f}")


def layer_heights(mesh: Path, heights: list[float], runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for height in heights:
            extra = [f"layer_height={height}", f"first_layer_height={max(height, 0.2)}"]
            walls = [run(localfab_command(mesh, Path(scratch), extra))[0] for _ in range(runs)]
            print(f"  layer height {height:.2f} mm: localfab wall median {statistics.median(walls):.2f} s")


def triangle_counts(mesh: Path, runs: int) -> None:
    """localfab alone on the mesh subdivided to 4x its triangles and decimated to 1/4 (decimation needs
    `pip install fast-simplification`, which trimesh calls)."""
    import trimesh

    original = trimesh.load(str(mesh), force="mesh")
    variants = {"as given": original}
    vertices, faces = trimesh.remesh.subdivide(original.vertices, original.faces)
    variants["subdivided x4"] = trimesh.Trimesh(vertices, faces)
    try:
        variants["decimated /4"] = original.simplify_quadric_decimation(face_count=len(original.faces) // 4)
    except (ImportError, ModuleNotFoundError):
        print("  decimation skipped: pip install fast-simplification")
    with tempfile.TemporaryDirectory() as scratch:
        for name, variant in variants.items():
            path = Path(scratch) / f"{name.replace(' ', '-').replace('/', '')}.stl"
            variant.export(path)
            walls = [run(localfab_command(path, Path(scratch), []))[0] for _ in range(runs)]
            print(f"  {name:<14} {len(variant.faces):>8} triangles: localfab wall median "
                  f"{statistics.median(walls):.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mesh", type=Path, nargs="?", default=SHARED / "corpus" / "meshes" / "3DBenchy.3mf")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layer-heights", default="", help="also time localfab at these layer heights (mm)")
    parser.add_argument("--triangle-counts", action="store_true",
                        help="also time localfab on the mesh subdivided x4 and decimated /4")
    args = parser.parse_args()
    compare(args.mesh, args.runs)
    if args.layer_heights:
        layer_heights(args.mesh, [float(h) for h in args.layer_heights.split(",")], args.runs)
    if args.triangle_counts:
        triangle_counts(args.mesh, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
