"""The check report: what was found, how bad it is, what to change, and where on the part."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEVERITIES = ("error", "warning", "info")
# How many facets and points a finding locates: enough for the GUI to show where, few enough to keep
# reports small. Findings keep the first ones in index order, so the same part gives the same report.
MAX_LOCATED = 200
# Measurements within this many mm (or degrees) of a limit count as meeting it: float noise in a mesh
# exported from CAD must not turn a wall drawn at exactly the limit into a finding.
MEASURE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Finding:
    """One finding. `faces` are facet indices and `points` are (x, y, z) in mm, for the GUI to highlight,
    at most MAX_LOCATED of each; `every_face` holds all the facets concerned, for a colour overlay of the
    whole part (kept in memory only: reports stay small)."""

    rule: str
    severity: str
    message: str
    measured: float | None = None
    limit: float | None = None
    unit: str = ""
    faces: tuple[int, ...] = ()
    points: tuple[tuple[float, float, float], ...] = ()
    every_face: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "measured": self.measured,
            "limit": self.limit,
            "unit": self.unit,
            "faces": list(self.faces),
            "points": [list(p) for p in self.points],
        }


def located_faces(faces: np.ndarray) -> tuple[int, ...]:
    """Facet indices for a finding: sorted, unique, at most MAX_LOCATED."""
    return tuple(int(f) for f in np.unique(np.asarray(faces, dtype=np.int64))[:MAX_LOCATED])


def located_points(points: np.ndarray) -> tuple[tuple[float, float, float], ...]:
    """(x, y, z) points in mm for a finding, rounded to 0.1 micrometre, at most MAX_LOCATED."""
    rows = np.asarray(points, dtype=np.float64).reshape(-1, 3)[:MAX_LOCATED]
    return tuple((round(float(x), 4), round(float(y), 4), round(float(z), 4)) for x, y, z in rows)


@dataclass(frozen=True)
class CheckReport:
    process: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.findings, key=lambda f: (SEVERITIES.index(f.severity), f.rule))
        return {
            "process": self.process,
            "ok": self.ok,
            "counts": {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES},
            "findings": [f.as_dict() for f in ordered],
        }
