"""The workshop windows against a live workshop server (SQLite, started on 127.0.0.1 by the test).

Member: the sliced box goes to "Make at a workshop…": a town that is not known is explained, Bristol finds the
server's workshop ranked with its reasons and its quote beside home and buying; logging in and submitting
(twice: one job) makes a job whose quote, once the staff give one, is accepted from the window.
Staff: the inbox lists the queue; a job's findings are ticked in a request for changes (a missing reason is
explained, not crashed on); a real recipe rebuilds byte-identical, is approved with the quote worked out from
the server's published rates, sent to a printer and moved on to ready for pickup.
"""

from __future__ import annotations

import json

import pytest

from app.jobs import read_recipe
from app.machines.registry import Printer, add_printer, remove_printer
from app.workshops import directory
from app.workshops.okw import workshop_to_json
from app.workshops.server.db import sqlite_url
from tests.gui_helpers import SLICE_TIMEOUT_MS, open_window, screenshot, skip_without_display, wait_for_part
from tests.machines.moonraker_stand_in import MoonrakerStandIn
from tests.workshops.recipes import recipe_bytes
from tests.workshops.servers import PASSWORD, STAFF, STAFF_PASSWORD, WorkshopServer

skip_without_display()

pytestmark = pytest.mark.gui

ANSWER_TIMEOUT_MS = 30_000
REBUILD_TIMEOUT_MS = 180_000
WORKSHOP = "Bristol Test Workshop"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("workshop-server")
    record = workshop_to_json(directory.example_workshops()[0])
    record["name"] = WORKSHOP
    del record["localfab:example"]
    record["localfab:provenance"] = {"source": "the test workshop's own record", "date": "2026-11-22"}
    record_file = data.parent / "workshop.okw.json"
    record_file.write_text(json.dumps(record))
    running = WorkshopServer(data=data, database=sqlite_url(data), record=record_file)
    running.add_staff()
    running.start()
    yield running
    running.stop()


@pytest.fixture()
def workshop_in_directory(server):
    directory.add_from_server(server.address)
    yield
    directory.remove_workshop(WORKSHOP)


def test_a_member_finds_a_workshop_submits_the_sliced_box_and_accepts_the_quote(qtbot, server,
                                                                                 workshop_in_directory):
    from app.gui.workshop_member import MakeAtWorkshopDialog

    staff = server.staff_client()
    staff.add_account("member", PASSWORD)
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    assert not window.workshop_action.isEnabled(), "nothing to send before slicing"
    window.fabricate_panel.slice_button.click()
    qtbot.waitUntil(lambda: window.sliced is not None, timeout=SLICE_TIMEOUT_MS)
    window.workshop_action.trigger()
    dialog = window.findChild(MakeAtWorkshopDialog)
    qtbot.waitExposed(dialog)

    dialog.near.setText("Atlantisville")
    dialog.find_button.click()
    qtbot.waitUntil(lambda: not dialog.working, timeout=ANSWER_TIMEOUT_MS)
    assert dialog.message_text().startswith("Cannot search: no town called 'Atlantisville'")

    dialog.near.setText("Bristol")
    dialog.retail.setText("25")
    dialog.examples.setChecked(True)
    dialog.find_button.click()
    qtbot.waitUntil(lambda: len(dialog.offers) == 3, timeout=ANSWER_TIMEOUT_MS)
    names = [offer.match.workshop.name for offer in dialog.offers]
    assert all(offer.match.ok for offer in dialog.offers[:2]), [o.match.reasons for o in dialog.offers]
    dialog.matches.setCurrentRow(names.index(WORKSHOP))
    details = dialog.details.toPlainText()
    assert "fits the 250 x 210 x 220 mm build volume" in details
    assert "at home:" in details and f"workshop: {WORKSHOP}:" in details and "buy: 25.00" in details
    assert "from the program's estimate" in details and "against buying" in details
    assert dialog.login.address.text() == server.address, "the server comes from the workshop's record"
    screenshot(qtbot, dialog, "workshop_member_1_matches")

    dialog.login.name.setText("member")
    dialog.login.password.setText(PASSWORD)
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: dialog.job is not None, timeout=ANSWER_TIMEOUT_MS)
    job = dialog.job
    assert job["state"] == "submitted" and not dialog.submit_button.isEnabled()
    dialog.submit()  # a retry, as after a lost answer: the same job, not a second one
    qtbot.waitUntil(lambda: not dialog.working, timeout=ANSWER_TIMEOUT_MS)
    assert [j["id"] for j in staff.jobs()] == [job["id"]]

    staff.move(job["id"], "in_review")
    quote = {"currency": "GBP", "total": "12.34", "lines": [
        {"label": "machine time", "amount": "12.34", "source": "4.9 h at 2.50 GBP/h, the workshop's rates"}]}
    staff.move(job["id"], "quoted", quote=quote)
    qtbot.waitUntil(dialog.accept_button.isEnabled, timeout=ANSWER_TIMEOUT_MS)
    assert "12.34 GBP" in dialog.quote.toPlainText()
    screenshot(qtbot, dialog, "workshop_member_2_quoted")

    dialog.accept_button.click()
    qtbot.waitUntil(lambda: dialog.job["state"] == "accepted" and dialog.events.count() == 4,
                    timeout=ANSWER_TIMEOUT_MS)
    assert staff.job(job["id"])["state"] == "accepted"
    assert not dialog.accept_button.isEnabled()
    screenshot(qtbot, dialog, "workshop_member_3_accepted")
    window.close()


def test_a_server_that_does_not_answer_is_explained_and_a_declined_quote_ends_the_job(qtbot, server, tmp_path):
    from app.gui.workshop_member import DECLINE_REASON, MakeAtWorkshopDialog

    recipe = tmp_path / "box.localfab"
    recipe.write_bytes(recipe_bytes(tag="declined"))
    server.staff_client().add_account("decliner", PASSWORD)
    dialog = MakeAtWorkshopDialog(recipe)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.submit_button.click()
    assert "Fill in the workshop's server address" in dialog.message_text()
    dialog.login.address.setText("127.0.0.1:9")  # the discard port: nothing listens there
    dialog.login.name.setText("decliner")
    dialog.login.password.setText(PASSWORD)
    dialog.submit_button.click()
    assert dialog.stop_waiting.isVisible(), "a submit retries for seconds: it can be stopped"
    qtbot.waitUntil(lambda: not dialog.working, timeout=ANSWER_TIMEOUT_MS)
    assert dialog.message_text().startswith("Not sent: cannot reach http://127.0.0.1:9") and dialog.job is None
    assert not dialog.stop_waiting.isVisible()
    screenshot(qtbot, dialog, "workshop_member_unreachable")

    dialog.login.address.setText(server.address)
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: dialog.job is not None, timeout=ANSWER_TIMEOUT_MS)
    staff = server.staff_client()
    staff.move(dialog.job["id"], "in_review")
    staff.move(dialog.job["id"], "quoted", quote={"currency": "GBP", "total": "99.00", "lines": []})
    qtbot.waitUntil(dialog.decline_button.isEnabled, timeout=ANSWER_TIMEOUT_MS)
    dialog.decline_button.click()
    qtbot.waitUntil(lambda: dialog.job["state"] == "cancelled" and dialog.events.count() == 4,
                    timeout=ANSWER_TIMEOUT_MS)
    assert DECLINE_REASON in dialog.events.item(3).text()
    assert not dialog.following, "a finished job is not asked about again"


def test_staff_review_rebuild_quote_and_run_jobs_from_the_inbox(qtbot, server, tmp_path):
    from app.cli import main
    from app.gui.workshop_inbox import WorkshopInbox

    assert main(["make", "box", "-o", str(tmp_path)]) == 0
    member = server.member("maker")
    real = member.submit(tmp_path / "box.localfab")
    flawed = member.submit(recipe_bytes(tag="inbox"))
    with MoonrakerStandIn() as printer:
        add_printer(Printer("workshop-voron", "moonraker", printer.url, profile="voron-2.4-250"))
        try:
            inbox = WorkshopInbox()
            qtbot.addWidget(inbox)
            inbox.show()
            qtbot.waitExposed(inbox)
            inbox.login.address.setText(server.address)
            inbox.login.name.setText(STAFF)
            inbox.login.password.setText(STAFF_PASSWORD)
            inbox.login_button.click()
            qtbot.waitUntil(lambda: {real["id"], flawed["id"]} <= set(inbox.job_ids()), timeout=ANSWER_TIMEOUT_MS)

            _open(qtbot, inbox, flawed["id"])
            assert inbox.findings.count() == 1 and "fdm.thin_wall" in inbox.findings.item(0).text()
            _move(qtbot, inbox, "in_review")
            assert inbox.choose_move("changes_requested")
            inbox.move_button.click()  # without a reason
            qtbot.waitUntil(lambda: not inbox.working, timeout=ANSWER_TIMEOUT_MS)
            assert "say why" in inbox.message_text() and inbox.opened.job["state"] == "in_review"
            inbox.findings.item(0).setCheckState(inbox.findings.item(0).checkState().Checked)
            inbox.reason.setText("make the walls 0.8 mm or thicker")
            _move(qtbot, inbox, "changes_requested")
            assert member.events(flawed["id"])[-1]["details"] == {"findings": ["fdm.thin_wall"]}
            qtbot.waitUntil(lambda: inbox.events.count() == 3, timeout=ANSWER_TIMEOUT_MS)
            assert inbox.events.item(2).text().endswith("make the walls 0.8 mm or thicker (about fdm.thin_wall)")
            screenshot(qtbot, inbox, "workshop_inbox_1_changes_requested")

            _open(qtbot, inbox, real["id"])
            inbox.rebuild_button.click()
            qtbot.waitUntil(lambda: inbox.rebuild_result.text() != "", timeout=REBUILD_TIMEOUT_MS)
            assert inbox.rebuild_result.text().startswith("Rebuilt byte-identical"), inbox.rebuild_result.text()
            assert "machine time" in inbox.quote.toPlainText() and "GBP" in inbox.quote.toPlainText()
            # Made again for the workshop's own printer: that program is quoted and sent from now on.
            # Other tests of the session may have registered printers of their own: choose the workshop's.
            inbox.printer.setCurrentIndex(inbox.printer.findData("workshop-voron"))
            inbox.replan_button.click()
            qtbot.waitUntil(lambda: not inbox.working, timeout=REBUILD_TIMEOUT_MS)
            assert inbox.rebuild_result.text().startswith("Re-sliced"), inbox.message_text()
            assert "Voron" in inbox.rebuild_result.text()
            assert inbox.opened.recipe_path.name.endswith("voron-2.4-250.localfab")
            assert read_recipe(inbox.opened.recipe_path).recipe.printer["id"] == "voron-2.4-250"
            assert "machine time" in inbox.quote.toPlainText()
            _move(qtbot, inbox, "in_review")
            _move(qtbot, inbox, "quoted")
            assert member.job(real["id"])["quote"] == inbox.opened.quote
            screenshot(qtbot, inbox, "workshop_inbox_2_quoted")

            member.move(real["id"], "accepted")
            inbox.refresh_button.click()
            qtbot.waitUntil(lambda: inbox.opened.job["state"] == "accepted", timeout=ANSWER_TIMEOUT_MS)
            _move(qtbot, inbox, "queued")
            assert inbox.dispatch_button.isEnabled()
            inbox.dispatch_button.click()
            qtbot.waitUntil(lambda: inbox.opened.job["state"] == "running", timeout=ANSWER_TIMEOUT_MS)
            assert printer.state == "printing" and len(printer.files) == 1
            _move(qtbot, inbox, "done")
            _move(qtbot, inbox, "ready_for_pickup")
            qtbot.waitUntil(lambda: inbox.events.count() == 8, timeout=ANSWER_TIMEOUT_MS)
            assert "started on workshop-voron" in inbox.events.item(5).text()
            inbox.state_filter.setCurrentText("ready for pickup")
            qtbot.waitUntil(lambda: inbox.job_ids() == [real["id"]], timeout=ANSWER_TIMEOUT_MS)
            screenshot(qtbot, inbox, "workshop_inbox_3_ready_for_pickup")
        finally:
            remove_printer("workshop-voron")


def _open(qtbot, inbox, job_id: int) -> None:
    inbox.jobs.setCurrentRow(inbox.job_ids().index(job_id))
    qtbot.waitUntil(lambda: inbox.opened is not None and inbox.opened.job["id"] == job_id,
                    timeout=ANSWER_TIMEOUT_MS)


def _move(qtbot, inbox, state: str) -> None:
    assert inbox.choose_move(state), f"{state} is not offered from {inbox.opened.job['state']}"
    inbox.move_button.click()
    qtbot.waitUntil(lambda: inbox.opened.job["state"] == state and not inbox.working, timeout=ANSWER_TIMEOUT_MS)
