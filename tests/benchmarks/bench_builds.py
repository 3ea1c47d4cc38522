"""Benchmark: live-preview build latency of every built-in template, cache hits, and OpenSCAD beside it.

Run by hand (not part of the test suite):  .venv/bin/python tests/benchmarks/bench_builds.py [--builds N]

For each template, with the build worker already warm, it times `build_part` for N parameter changes that
were never built before (a fresh cache), from the call to the mesh in hand: p50 and p95. Then a memory-cache
hit and a disk-cache hit. Last, the same storage box rendered by OpenSCAD (tests/benchmarks/box.scad) as a
whole process per change, alternating with localfab's build of the same values, in the same run.
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

from parametric_designs import build
from parametric_designs.errors import ParameterError
from parametric_designs.publish import sweep_cases
from parametric_designs.templates import discover, find_template

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def valid_cases(template, count: int) -> list[dict]:
    cases = []
    for case in sweep_cases(template, samples=count * 3, seed=7):
        if case.label.startswith("sample"):
            try:
                template.schema.resolve(case.values)
            except ParameterError:
                continue
            cases.append(case.values)
        if len(cases) == count:
            break
    return cases


def bench_templates(builds: int) -> None:
    print(f"{'template':<20} {'builds':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mem hit ms':>10} "
          f"{'disk hit ms':>11}")
    all_times = []
    for template in discover().values():
        times = []
        cases = valid_cases(template, builds)
        for values in cases:
            started = time.perf_counter()
            build.build_part(template, values)
            times.append((time.perf_counter() - started) * 1000)
        all_times += times
        started = time.perf_counter()
        assert build.build_part(template, cases[0]).from_cache
        memory_hit = (time.perf_counter() - started) * 1000
        build._memory_cache.clear()
        started = time.perf_counter()
        assert build.build_part(template, cases[-1]).from_cache
        disk_hit = (time.perf_counter() - started) * 1000
        print(f"{template.id:<20} {len(times):>6} {statistics.median(times):>8.0f} "
              f"{percentile(times, 0.95):>8.0f} {max(times):>8.0f} {memory_hit:>10.2f} {disk_hit:>11.2f}")
    print(f"{'all templates':<20} {len(all_times):>6} {statistics.median(all_times):>8.0f} "
          f"{percentile(all_times, 0.95):>8.0f} {max(all_times):>8.0f}")


def bench_openscad(rounds: int) -> None:
    openscad = shutil.which("openscad")
    if openscad is None:
        print("openscad is not installed (apt-get install openscad): no comparison")
        return
    box = find_template("box")
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(rounds):
            width = 60 + index * 3.5
            started = time.perf_counter()
            build.build_part(box, {"width": width})
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            subprocess.run([openscad, "-o", f"{scratch}/box.stl", "-D", f"width={width}", str(HERE / "box.scad")],
                           check=True, capture_output=True)
            theirs.append(time.perf_counter() - started)
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    version = subprocess.run([openscad, "--version"], capture_output=True, text=True).stderr.strip()
    print(f"storage box, {rounds} parameter changes alternating: localfab warm build median "
          f"{statistics.median(ours) * 1000:.0f} ms, {version} render median "
          f"{statistics.median(theirs) * 1000:.0f} ms; ratio localfab/OpenSCAD {ratio:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=20, help="parameter changes per template")
    parser.add_argument("--openscad-rounds", type=int, default=7)
    args = parser.parse_args()
    os.environ["LOCALFAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="localfab-bench-cache-")  # every build is new
    started = time.perf_counter()
    build.warm_up()
    print(f"build worker warm in {time.perf_counter() - started:.2f} s (CadQuery loaded once)")
    bench_templates(args.builds)
    bench_openscad(args.openscad_rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
