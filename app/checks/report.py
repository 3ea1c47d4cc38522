"""The check report: what was found, how bad it is, what to change, and where on the part."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One finding. `faces` are facet indices and `points` are (x, y, z) in mm, for the GUI to highlight."""

    rule: str
    severity: str
    message: str
    measured: float | None = None
    limit: float | None = None
    unit: str = ""
    faces: tuple[int, ...] = ()
    points: tuple[tuple[float, float, float], ...] = ()

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
