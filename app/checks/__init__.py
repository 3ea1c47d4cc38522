"""Manufacturability checks: findings with rule ids, severities, measured values, limits and locations."""

from app.checks.fdm import check_fdm
from app.checks.report import CheckReport, Finding

__all__ = ["CheckReport", "Finding", "check_fdm"]
