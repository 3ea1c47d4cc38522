"""The fit coupon: cut with T-bones, its slots come out at the sheet thickness plus 0.0 to 0.5 mm."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.profiles.cam import load_cam
from slicing.cnc.coupon import ALLOWANCES_MM, BASE_MM, fit_coupon
from slicing.cnc.job import RouterSettings, place_on_sheet, plan_router_job
from slicing.cnc.tooling import cutting_data

THICKNESS = 6.0


def test_coupon_slots_are_the_thickness_plus_each_allowance_after_cutting():
    machine = load_cam("machine", "generic-grbl-router")
    plywood = load_cam("material", "plywood")
    tool, vbit = load_cam("tool", "flat-3.175-2f"), load_cam("tool", "vbit-60-6.35")
    settings = RouterSettings(tool=tool, cutting=cutting_data(tool, plywood, machine), sheet_mm=(240.0, 70.0),
                              engrave_tool=vbit, engrave_cutting=cutting_data(vbit, plywood, machine),
                              corner_relief="tbone", resolution_mm=0.05)
    coupon = place_on_sheet(fit_coupon(THICKNESS), settings.sheet_mm, settings.margin_mm)
    job = plan_router_job(coupon, settings, machine, "plywood")
    assert job.findings == ()
    assert len(coupon.engravings) == sum(range(len(ALLOWANCES_MM)))
    stock = job.stock
    row = int((settings.margin_mm + BASE_MM + 10.0) / stock.resolution_mm)
    standing = np.concatenate([[False], stock.heights[row] > -THICKNESS / 2, [False]])
    edges = np.flatnonzero(np.diff(standing.astype(int)))
    starts, ends = edges[::2], edges[1::2]
    # Slots wider than two tool diameters leave a sliver of waste down their middle, which falls out.
    solid = [(a, b) for a, b in zip(starts, ends, strict=True) if (b - a) * stock.resolution_mm >= 1.0]
    gaps = [(b_next - a_end) * stock.resolution_mm for (_, a_end), (b_next, _) in itertools.pairwise(solid)]
    # Sheet, kerf, then web and slot in turn, the last web, kerf, sheet: the gaps between are the slots.
    slots = gaps[1:-1]
    assert slots == pytest.approx([THICKNESS + a for a in ALLOWANCES_MM], abs=stock.resolution_mm + 1e-9)


def test_a_job_reports_progress_by_stage_and_can_be_cancelled():
    from slicing.errors import SliceCancelled

    machine = load_cam("machine", "generic-grbl-router")
    tool = load_cam("tool", "flat-6-2f")
    settings = RouterSettings(tool=tool, cutting=cutting_data(tool, load_cam("material", "plywood"), machine),
                              sheet_mm=(240.0, 70.0), engrave_tool=load_cam("tool", "vbit-60-6.35"),
                              engrave_cutting=cutting_data(tool, load_cam("material", "plywood"), machine))
    coupon = place_on_sheet(fit_coupon(THICKNESS), settings.sheet_mm, settings.margin_mm)
    seen: list[tuple[float, str]] = []
    plan_router_job(coupon, settings, machine, "plywood", progress=lambda f, stage: seen.append((f, stage)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert next(stage for _, stage in seen) == "toolpaths" and {"simulation", "checks"} <= {s for _, s in seen}
    with pytest.raises(SliceCancelled):
        plan_router_job(coupon, settings, machine, "plywood", cancel=lambda: True)
