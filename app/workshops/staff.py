"""What a workshop's staff do with a member's job, headless; the staff view in the GUI calls these.

Fetch the job's recipe (checked against the hash the server recorded), read its check report, rebuild it
(identical, or what differs), make it again for one of the workshop's own printer profiles, work out a quote
from the workshop's own rates, and dispatch its program to one of the workshop's machines through the same
connectors a home printer uses, then tell the server it runs.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from pathlib import Path
from typing import Any

from app.chain import Cancel, Fabrication, Progress, RebuildReport, fabricate, rebuild, recorded_template
from app.jobs import CHECK_FILE, DESIGN_FILE, read_recipe, write_recipe
from app.machines.base import UploadProgress
from app.machines.send import SendResult
from app.workshops.client import WorkshopClient
from app.workshops.errors import WorkshopError
from app.workshops.needs import needs_of
from app.workshops.okw import Workshop
from app.workshops.quote import workshop_costing
from parametric_designs.build import build_part


def fetch_recipe(client: WorkshopClient, job: dict[str, Any], folder: Path) -> Path:
    """Download the job's recipe into `folder` as job-<id>.localfab, verified whole; returns its path."""
    data = client.recipe(job["id"])
    if hashlib.sha256(data).hexdigest() != job["recipe_sha256"]:
        raise WorkshopError(f"the recipe of job {job['id']} arrived damaged (its hash differs); fetch it again")
    path = Path(folder) / f"job-{job['id']}.localfab"
    path.write_bytes(data)
    read_recipe(path)
    return path


def check_report(recipe_path: Path) -> dict[str, Any]:
    """The check report the member's localfab made (findings with rule ids, for "changes requested")."""
    return json.loads(read_recipe(recipe_path).files[CHECK_FILE])


def rebuild_job(recipe_path: Path, progress: Progress | None = None, cancel: Cancel | None = None) -> RebuildReport:
    return rebuild(recipe_path, progress=progress, cancel=cancel)


def replan_for_printer(recipe_path: Path, printer_id: str, out_path: Path, progress: Progress | None = None,
                       cancel: Cancel | None = None) -> Fabrication:
    """Make the job again for the workshop's printer profile `printer_id` and write it to `out_path`: the
    recorded design, parameters, material and the member's print and material settings; the printer's own bed,
    limits and G-code. The check runs again against the new printer (an error stops it, as in `make`)."""
    from app.profiles.loader import fdm_schema, resolve_fdm_setup

    loaded = read_recipe(recipe_path)
    recorded = loaded.recipe
    if recorded.process != "fdm":
        raise WorkshopError(f"re-planning {recorded.process} jobs for another machine is not supported yet")
    schema = fdm_schema()
    kept = {name: value for name, value in recorded.settings.items()
            if name in schema and schema[name].section != "printer"}
    setup = resolve_fdm_setup(printer_id, recorded.material.get("id"), overrides=kept,
                              print_profile=(recorded.print_profile or {}).get("id"))
    with tempfile.TemporaryDirectory(prefix="localfab-replan-") as scratch:
        template, _ = recorded_template(recorded.design, loaded.files.get(DESIGN_FILE), Path(scratch))
        part = build_part(template, recorded.parameters, cancel=cancel)
        fabrication = fabricate(part, setup, progress=progress, cancel=cancel)
    write_recipe(out_path, fabrication.recipe, fabrication.files)
    return fabrication


def quote_for(recipe_path: Path, workshop: Workshop) -> dict[str, Any]:
    """A quote from the workshop's rates, in the form the server takes with a move to `quoted`."""
    return workshop_costing(needs_of(read_recipe(recipe_path)), workshop).as_json()


def dispatch(client: WorkshopClient, job: dict[str, Any], recipe_path: Path, printer_name: str,
             progress: UploadProgress | None = None, cancel_flag: threading.Event | None = None) -> SendResult:
    """Send a queued job's program to the workshop's printer `printer_name`, start it, and move the job to
    running. The job must be queued: the server is asked first, so a job is never run before it is accepted."""
    from app.machines.registry import connector_for, get_printer
    from app.machines.send import read_program, send_program

    current = client.job(job["id"])
    if current["state"] != "queued":
        raise WorkshopError(f"job {job['id']} is {current['state']}; only a queued job is sent to a machine")
    printer = get_printer(printer_name)
    result = send_program(connector_for(printer), read_program(recipe_path), True, progress, cancel_flag)
    client.move(job["id"], "running", reason=f"started on {printer.name} as {result.upload.name}")
    return result
