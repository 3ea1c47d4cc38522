"""Benchmark: sheets of stool parts nested, cut and posted for GRBL, and one sheet simulated.

Run by hand (not part of the test suite):  .venv/bin/python tests/benchmarks/bench_cam.py [--counts 10 50 200]
The built-in plywood-stool template through the whole chain, as `localfab cam` runs it (build, check, nest
its pieces one by one, toolpaths, simulation and proof of every sheet, GRBL output), N stools of 4 pieces:
.venv/bin/python tests/benchmarks/bench_cam.py --stools 13 [--labels]   (time it whole with farm-bench)

The parts are an Opendesk-style plywood stool drawn here (a side with a slot for the rail, a seat with two
slots for the sides, a rail with notches), in equal numbers, 18 mm plywood, 6 mm flat end mill, 2440 x 1220
mm sheets. For each part count it times, in one process: nesting (spyrrow, 1 s per sheet), toolpaths of
every sheet (profiles with tabs and dogbones, bored holes), GRBL output, and the stock simulation with gouge
and cut-free checks of the first sheet at 0.5 mm.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from app.profiles.cam import load_cam
from slicing.cnc.dogbone import add_reliefs
from slicing.cnc.flat import FlatPart
from slicing.cnc.job import RouterSettings, operations
from slicing.cnc.nest import nest, sheet_part
from slicing.cnc.post import Stock3, post_program
from slicing.cnc.simulate import Stock, simulate
from slicing.cnc.tooling import cutting_data
from slicing.cnc.verify import cut_free_findings, gouges
from slicing.fdm import polygons

SHEET = (2440.0, 1220.0)
THICKNESS = 18.0


def stool_parts() -> list[FlatPart]:
    t = THICKNESS
    side = [(0, 0), (120, 0), (160, 250), (200, 0), (320, 0), (280, 420), (40, 420)]
    side_slot = [(140, 320), (180, 320), (180, 320 + t), (140, 320 + t)]
    seat = [(0, 0), (380, 0), (380, 300), (0, 300)]
    seat_slots = [[(60, 100), (60 + t, 100), (60 + t, 200), (60, 200)],
                  [(320 - t, 100), (320, 100), (320, 200), (320 - t, 200)]]
    rail = [(0, 0), (300, 0), (300, 60), (260, 60), (260, 30), (260 - t, 30), (260 - t, 60), (40 + t, 60),
            (40 + t, 30), (40, 30), (40, 60), (0, 60)]
    circle = [(190 + 15 * np.cos(a), 150 + 15 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 64, endpoint=False)]

    def part(name: str, *rings) -> FlatPart:
        region = polygons.union(polygons.to_units([np.array(r, float) for r in rings]), even_odd=True)
        return FlatPart(name, region, THICKNESS)

    return [part("side", side, side_slot), part("seat", seat, *seat_slots, circle), part("rail", rail)]


def run(count: int) -> dict[str, float]:
    machine = load_cam("machine", "fablab-linuxcnc-router")
    machine = replace(machine, post="grbl")
    tool = load_cam("tool", "flat-6-2f")
    data = cutting_data(tool, load_cam("material", "plywood"), machine)
    settings = RouterSettings(tool=tool, cutting=data, sheet_mm=SHEET, corner_relief="dogbone", resolution_mm=0.5)
    kinds = [replace(p, outline=add_reliefs(p.outline, tool.radius_mm)) for p in stool_parts()]
    copies = [count // 3 + (1 if k < count % 3 else 0) for k in range(3)]

    start = time.perf_counter()
    sheets = nest(kinds, copies, SHEET, spacing_mm=2 * tool.diameter_mm + 2, margin_mm=settings.margin_mm)
    nested = time.perf_counter()
    placed = [sheet_part(f"sheet-{k}", kinds, sheet) for k, sheet in enumerate(sheets, start=1)]
    toolpaths = [operations(part, settings) for part in placed]
    planned = time.perf_counter()
    files = [post_program(paths, machine, Stock3(*SHEET, THICKNESS, "plywood"), part.name)
             for paths, part in zip(toolpaths, placed, strict=True)]
    posted = time.perf_counter()
    stock = simulate(Stock.block((0, 0, *SHEET), THICKNESS, settings.resolution_mm), toolpaths[0])
    found = gouges(stock, placed[0])
    found += cut_free_findings(stock, placed[0], [t for p in toolpaths[0] for t in p.tabs], tool.radius_mm)
    simulated = time.perf_counter()
    assert not found, found[:3]
    lines = sum(len(f.text.splitlines()) for group in files for f in group)
    return {"parts": count, "sheets": len(sheets), "utilisation_first": sheets[0].utilisation,
            "nest_s": nested - start, "toolpaths_s": planned - nested, "gcode_s": posted - planned,
            "whole_s": posted - start, "simulate_sheet_s": simulated - posted, "gcode_lines": lines}


def run_template(stools: int, labels: bool) -> None:
    """The stool template cut as `localfab cam plywood-stool --copies N --relief dogbone` would, on the fablab
    router posted for GRBL (the library's GRBL router is too small for a 2440 x 1220 sheet)."""
    from app.cam_chain import RouterInputs, cut_design_values, cut_with_router, design_source, router_check_limits
    from parametric_designs.templates import find_template

    start = time.perf_counter()
    template = find_template("plywood-stool")
    source = design_source(template, cut_design_values(template, {}, None))
    machine = replace(load_cam("machine", "fablab-linuxcnc-router"), post="grbl")
    limits = router_check_limits()
    inputs = RouterInputs(machine=machine, material=load_cam("material", "plywood"), tool=load_cam("tool", "flat-6-2f"),
                          engrave_tool=load_cam("tool", "vbit-60-6.35"), pocket_tool=None, sheet_mm=SHEET,
                          copies=stools, relief="dogbone", labels=labels, check_limits=limits,
                          relief_clearance_mm=limits["corner_clearance"])
    built = time.perf_counter()
    job = cut_with_router(source, inputs)
    done = time.perf_counter()
    used = ", ".join(f"{sheet['utilisation']:.2f}" for sheet in job.record["sheets"])
    print(f"{stools} stools ({4 * stools} parts), labels {labels}: {len(job.record['sheets'])} sheets, utilisation "
          f"{used}; build {built - start:.2f} s, nest + toolpaths + "
          f"simulation + GRBL {done - built:.2f} s; {sum(len(v.splitlines()) for v in job.outputs.values())} lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--stools", type=int, default=0, help="run the stool template, this many copies")
    parser.add_argument("--labels", action="store_true", help="with --stools: engrave part labels")
    args = parser.parse_args()
    if args.stools:
        run_template(args.stools, args.labels)
        return
    print("parts sheets util1  nest_s toolpaths_s gcode_s whole_s sim_sheet_s gcode_lines")
    for count in args.counts:
        r = run(count)
        print(f"{r['parts']:5d} {r['sheets']:6d} {r['utilisation_first']:.2f} {r['nest_s']:7.2f} "
              f"{r['toolpaths_s']:11.2f} {r['gcode_s']:7.2f} {r['whole_s']:7.2f} {r['simulate_sheet_s']:11.2f} "
              f"{r['gcode_lines']:11d}")


if __name__ == "__main__":
    main()
