"""Which workshops can make a job, and why or why not.

A workshop matches when it is active, has a machine for the process whose build volume (or bed) holds the
part in some axis-aligned orientation and which works the material, and is open in the coming days. Matches
are ranked by geodesic distance, then price, then turnaround; every result carries its reasons, so "no" always
comes with what is missing ("build volume too small by 12 mm").
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from app.workshops.errors import WorkshopError
from app.workshops.geo import Place, distance_km
from app.workshops.needs import JobNeeds
from app.workshops.okw import Equipment, Workshop
from app.workshops.quote import Costing, material_tokens, workshop_costing

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_SPAN = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)(?:\s*-\s*(Mo|Tu|We|Th|Fr|Sa|Su))?\b")


@dataclass(frozen=True)
class Match:
    workshop: Workshop
    ok: bool
    reasons: tuple[str, ...]
    distance_km: float
    equipment: Equipment | None
    costing: Costing | None

    @property
    def turnaround_days(self) -> int | None:
        return self.workshop.rates.turnaround_days if self.workshop.rates else None

    def as_json(self) -> dict:
        return {"workshop": self.workshop.name, "ok": self.ok, "reasons": list(self.reasons),
                "distance_km": round(self.distance_km, 1),
                "machine": f"{self.equipment.make} {self.equipment.model}".strip() if self.equipment else None,
                "quote": self.costing.as_json() if self.costing else None, "turnaround_days": self.turnaround_days,
                "example": self.workshop.example}


def match_workshops(needs: JobNeeds, workshops: list[Workshop], near: Place, today: dt.date,
                    days_ahead: int = 7) -> list[Match]:
    """Every workshop judged against `needs`: the matches first (nearest, then cheapest, then quickest), then
    the rest, nearest first."""
    results = [_judge(needs, w, near, today, days_ahead) for w in workshops]

    def rank(m: Match) -> tuple:
        price = m.costing.total if m.costing else Decimal("Infinity")
        turnaround = m.turnaround_days if m.turnaround_days is not None else 10**6
        return (not m.ok, round(m.distance_km, 3), price, turnaround, m.workshop.name)

    return sorted(results, key=rank)


def fit_shortfall(size_mm: tuple[float, float, float], equipment: Equipment) -> tuple[float, tuple[float, ...]]:
    """How much the part overhangs the machine in its best axis-aligned orientation (mm; <= 0: it fits), and
    that orientation's size. A cutter's bed is checked against the part's footprint, turned or not."""
    if equipment.build_volume_mm is not None:
        limit: tuple[float, ...] = equipment.build_volume_mm
        orientations = list(dict.fromkeys(itertools.permutations(size_mm)))
    elif equipment.bed_size_mm is not None:
        limit = equipment.bed_size_mm
        orientations = [size_mm[:2], size_mm[1::-1]]
    else:
        raise WorkshopError(f"{equipment.make} {equipment.model} has no build-volume or bed-size in its record")

    def overhang(orientation: tuple[float, ...]) -> float:
        return max(p - m for p, m in zip(orientation, limit, strict=False))

    # The part as it was sliced, when it fits; turned only when that is what makes it fit (or miss by least).
    best = orientations[0] if overhang(orientations[0]) <= 0 else min(orientations, key=overhang)
    return overhang(best), best


def open_days(opening_hours: str) -> set[int] | None:
    """The weekdays (0 = Monday) an OpenStreetMap-style text such as "Mo-Fr 10:00-18:00; Sa 12:00-16:00" names;
    None when it names none (free text such as "by appointment")."""
    days: set[int] = set()
    for first, last in _DAY_SPAN.findall(opening_hours):
        start = DAYS.index(first)
        end = DAYS.index(last) if last else start
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return days or None


def _judge(needs: JobNeeds, workshop: Workshop, near: Place, today: dt.date, days_ahead: int) -> Match:
    distance = distance_km(near.latitude, near.longitude, workshop.latitude, workshop.longitude)
    reasons = [f"{distance:.1f} km from {near.name}"]
    ok = workshop.facility_status == "Active"
    if not ok:
        reasons.append(f"facility status is {workshop.facility_status}")
    equipment, machine_ok, machine_reasons = _best_machine(needs, workshop)
    ok = ok and machine_ok
    reasons += machine_reasons
    open_ok, open_reason = _open_soon(workshop, today, days_ahead)
    ok = ok and open_ok
    reasons.append(open_reason)
    costing = None
    if workshop.rates is None:
        reasons.append("no published rates: ask for a quote")
    elif equipment is not None:
        try:
            costing = workshop_costing(needs, workshop)
            reasons.append(f"quote {costing.total} {costing.currency}, ready in {workshop.rates.turnaround_days} days")
        except WorkshopError as exc:
            reasons.append(str(exc))
    return Match(workshop=workshop, ok=ok, reasons=tuple(reasons), distance_km=distance, equipment=equipment,
                 costing=costing)


def _best_machine(needs: JobNeeds, workshop: Workshop) -> tuple[Equipment | None, bool, list[str]]:
    """The machine that can make the job (with the reasons), else the closest miss and what it lacks."""
    machines = [e for e in workshop.equipment if e.process == needs.process]
    if not machines:
        offered = ", ".join(sorted(workshop.processes)) or "none listed"
        return None, False, [f"no {needs.process} machine (offers: {offered})"]
    judged = []
    for machine in machines:
        reasons, failures = _machine_reasons(needs, machine)
        judged.append((failures, machine, reasons))
    failures, machine, reasons = min(judged, key=lambda j: j[0])
    return machine, failures == 0, reasons


def _machine_reasons(needs: JobNeeds, machine: Equipment) -> tuple[list[str], int]:
    name = f"{machine.make} {machine.model}".strip()
    size = " x ".join(f"{v:g}" for v in needs.size_mm)
    reasons, failures = [], 0
    try:
        shortfall, orientation = fit_shortfall(needs.size_mm, machine)
        limit = machine.build_volume_mm or machine.bed_size_mm
        limit_text = " x ".join(f"{v:g}" for v in limit or ())
        kind = "build volume" if machine.build_volume_mm else "bed"
        if shortfall <= 0:
            turned = "" if tuple(orientation) == needs.size_mm[:len(orientation)] else \
                f", turned to {' x '.join(f'{v:g}' for v in orientation)} mm"
            reasons.append(f"part {size} mm fits the {limit_text} mm {kind} of the {name}{turned}")
        else:
            failures += 1
            reasons.append(f"{kind} too small by {shortfall:.0f} mm: part {size} mm, {name} {limit_text} mm")
    except WorkshopError as exc:
        failures += 1
        reasons.append(str(exc))
    wanted = material_tokens(needs.material)
    worked = [m for m in machine.materials if m.upper() in wanted]
    if worked:
        reasons.append(f"{worked[0]} available on the {name}")
    else:
        failures += 1
        offered = ", ".join(machine.materials) or "none listed"
        reasons.append(f"no {needs.material} on the {name} (works: {offered})")
    return reasons, failures


def _open_soon(workshop: Workshop, today: dt.date, days_ahead: int) -> tuple[bool, str]:
    days = open_days(workshop.opening_hours)
    if days is None:
        text = workshop.opening_hours or "not given"
        return True, f"opening hours {text!r} are not day by day: ask before going"
    for offset in range(days_ahead):
        day = today + dt.timedelta(days=offset)
        if day.weekday() in days:
            return True, f"open {day.strftime('%a %d %b')} ({workshop.opening_hours})"
    return False, f"closed for the next {days_ahead} days ({workshop.opening_hours})"
