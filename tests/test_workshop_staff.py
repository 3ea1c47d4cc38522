"""The staff's side of a job, headless (what the staff view calls): fetch and verify the recipe, read its
check report, quote it from the workshop's rates, and dispatch it to a workshop printer through the home
connectors, only once it is queued."""

from __future__ import annotations

import hashlib

import pytest

from app.jobs import PROGRAM_FILE, read_recipe
from app.machines.registry import Printer, add_printer
from app.workshops import directory
from app.workshops.errors import WorkshopError
from app.workshops.server.db import sqlite_url
from app.workshops.staff import check_report, dispatch, fetch_recipe, quote_for
from tests.machines.moonraker_stand_in import MoonrakerStandIn
from tests.workshops.recipes import CHECK_REPORT, recipe_bytes
from tests.workshops.servers import WorkshopServer


@pytest.fixture()
def server(tmp_path):
    data = tmp_path / "server"
    data.mkdir()
    running = WorkshopServer(data=data, database=sqlite_url(data))
    running.add_staff()
    running.start()
    yield running
    running.stop()


def test_staff_review_quote_and_dispatch_a_job_to_a_workshop_printer(server, tmp_path):
    member, staff = server.member("maker"), server.staff_client()
    job = member.submit(recipe_bytes((80.0, 60.0, 40.0), time_s=7200.0, grams=50.0, tag="dispatch"))
    path = fetch_recipe(staff, job, tmp_path)
    assert check_report(path) == CHECK_REPORT
    staff.move(job["id"], "in_review")
    quote = quote_for(path, directory.example_workshops()[0])
    assert (quote["currency"], quote["total"]) == ("GBP", "10.70")
    staff.move(job["id"], "quoted", quote=quote)
    member.move(job["id"], "accepted")
    with MoonrakerStandIn() as printer:
        add_printer(Printer("workshop-voron", "moonraker", printer.url))
        with pytest.raises(WorkshopError, match="is accepted; only a queued job is sent"):
            dispatch(staff, job, path, "workshop-voron")
        assert printer.count("POST", "/printer/print/start") == 0
        staff.move(job["id"], "queued")
        result = dispatch(staff, job, path, "workshop-voron")
        assert result.started and printer.state == "printing"
        program = read_recipe(path).files[PROGRAM_FILE]
        assert printer.files[result.upload.name] == program
        assert hashlib.sha256(program).hexdigest()[:12] in result.upload.name
    log = member.events(job["id"])
    assert log[-1]["to"] == "running" and "started on workshop-voron" in log[-1]["reason"]
