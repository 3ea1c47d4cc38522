"""Manufacturability checks: findings with rule ids, severities, measured values, limits and locations."""

from app.checks.build_volume import turned_to_fit
from app.checks.cnc import check_cnc
from app.checks.fdm import CheckCancelled, check_fdm
from app.checks.laser import check_laser
from app.checks.orientation import Orientation, advise_orientations, orientation_findings
from app.checks.repair import repair_mesh
from app.checks.report import CheckReport, Finding
from app.checks.stored_normals import stored_normal_findings

__all__ = [
    "CheckCancelled",
    "CheckReport",
    "Finding",
    "Orientation",
    "advise_orientations",
    "check_cnc",
    "check_fdm",
    "check_laser",
    "orientation_findings",
    "repair_mesh",
    "stored_normal_findings",
    "turned_to_fit",
]
