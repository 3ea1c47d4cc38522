"""Benchmark: the full FDM check of 3DBenchy as a whole process, beside admesh checking the same mesh.

Run by hand (not part of the test suite):  .venv/bin/python tests/benchmarks/bench_checks.py [--runs N]

It exports 3DBenchy (../shared/corpus/meshes/3DBenchy.3mf, 225k facets) to STL once for admesh (Debian
package `admesh`), then alternates `localfab check 3DBenchy.3mf` and `admesh 3DBenchy.stl`, N runs each after
one warm-up, and prints the wall and CPU seconds (from the operating system's accounting of each finished
child) as min, median and max. Then it times the orientation advice in this process. The target for the check
is at most 1.5 s wall on a 2-core machine; for the orientation advice, under 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCHY = REPO.parent / "shared" / "corpus" / "meshes" / "3DBenchy.3mf"
LOCALFAB = Path(sys.executable).with_name("localfab")


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, user + system CPU seconds) of one run of `command`, its output thrown away."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def summary(name: str, runs: list[tuple[float, float]]) -> str:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return (f"{name:<28} wall s {min(walls):6.3f} {statistics.median(walls):6.3f} {max(walls):6.3f}   "
            f"cpu s {min(cpus):6.3f} {statistics.median(cpus):6.3f} {max(cpus):6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from slicing.mesh import load_mesh
    from slicing.mesh_export import export_stl

    mesh = load_mesh(BENCHY)
    with tempfile.TemporaryDirectory() as scratch:
        stl = Path(scratch) / "3DBenchy.stl"
        stl.write_bytes(export_stl(mesh))
        ours = [str(LOCALFAB), "check", str(BENCHY)]
        admesh = shutil.which("admesh")
        timed(ours)
        if admesh:
            timed([admesh, str(stl)])
        results: dict[str, list[tuple[float, float]]] = {"localfab check (fdm)": [], "admesh": []}
        for _ in range(args.runs):
            results["localfab check (fdm)"].append(timed(ours))
            if admesh:
                results["admesh"].append(timed([admesh, str(stl)]))
    print(f"3DBenchy: {len(mesh.faces)} facets, {args.runs} runs each, min / median / max")
    for name, runs in results.items():
        print(summary(name, runs) if runs else f"{name:<28} not installed (apt-get install admesh)")

    from app.checks import advise_orientations
    from app.profiles import resolve_fdm_setup

    settings = resolve_fdm_setup().settings
    started = time.perf_counter()
    advise_orientations(mesh, settings)
    print(f"orientation advice (in process): {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
