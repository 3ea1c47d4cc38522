"""Workshop inbox: the staff's side of the jobs members submit. Log in as staff; see the queue by state; open
a job to read its check report, rebuild it (identical, or which outputs differ), see the quote worked out from
the rates this workshop's server publishes; then approve with that quote, deny or request changes (tied to
ticked check findings) with a reason, move it on through queued, printing, done and ready for pickup, or
send a queued job to one of the printers registered in Settings → Printers.

The work is app.workshops.staff's, run off the UI thread (app.gui.background); this window only shows it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.gui.background import LatestRunner
from app.gui.workshop_account import LoginForm, WorkshopSession, log_in, tell
from app.gui.workshop_quote_view import costing_html
from app.gui.workshop_waiting import StopWaitingButton
from app.gui.workshop_words import event_text, state_words
from app.machines.registry import list_printers
from app.workshops.errors import WorkshopError
from app.workshops.server.jobs import CHANGES_REQUESTED, QUEUED, QUOTED, STATES, TRANSITIONS

EVERY_STATE = "every state"
# What each move means at the counter; the server's state names stay the data.
MOVE_WORDS = {
    "in_review": "in review: start reviewing it",
    "quoted": "quoted: approve with the quote shown",
    "denied": "denied: refuse it (say why)",
    "changes_requested": "changes requested: about the ticked findings (say what)",
    "accepted": "accepted: on the member's behalf",
    "queued": "queued: waiting for a machine",
    "running": "printing / cutting",
    "failed": "failed (say what happened)",
    "ready_for_pickup": "ready for pickup",
}


@dataclass(frozen=True)
class OpenedJob:
    """A job with its recipe fetched and verified, its check report, and the quote from this workshop's
    rates (None, with the reason in `quote_problem`, when none can be worked out)."""

    job: dict[str, Any]
    recipe_path: Path
    report: dict[str, Any]
    quote: dict[str, Any] | None
    quote_problem: str


class WorkshopInbox(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Workshop inbox")
        self._session: WorkshopSession | None = None
        self._jobs: list[dict[str, Any]] = []
        self.opened: OpenedJob | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="localfab-inbox-")
        self._queue = LatestRunner(self)
        self._job = LatestRunner(self)
        self._rebuild = LatestRunner(self)
        self._action = LatestRunner(self)
        self._log = LatestRunner(self)
        self._replan = LatestRunner(self)

        self.login = LoginForm()
        self.login_button = QPushButton("&Log in as staff")
        self.login_button.clicked.connect(self.log_in)
        login_box = QGroupBox("Workshop server")
        login_layout = QHBoxLayout(login_box)
        login_layout.addWidget(self.login, 1)
        login_layout.addWidget(self.login_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.state_filter = QComboBox()
        self.state_filter.addItems([EVERY_STATE, *(state_words(state) for state in STATES)])
        self.state_filter.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("Jobs in"))
        filter_row.addWidget(self.state_filter, 1)
        filter_row.addWidget(self.refresh_button)
        self.jobs = QListWidget()
        self.jobs.currentRowChanged.connect(self._open_row)
        queue = QWidget()
        queue_layout = QVBoxLayout(queue)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addLayout(filter_row)
        queue_layout.addWidget(self.jobs, 1)

        self.job_title = QLabel("Open a job from the queue")
        self.job_title.setStyleSheet("font-weight: 600;")
        self.job_title.setWordWrap(True)
        self.findings = QListWidget()
        self.findings.setWordWrap(True)
        self.findings.setToolTip("Tick the findings a request for changes is about")
        self.rebuild_button = QPushButton("Re&build and compare")
        self.rebuild_button.setToolTip("Make the job again from its recorded inputs; say whether every output "
                                       "comes out byte-identical")
        self.rebuild_button.clicked.connect(self.rebuild)
        self.rebuild_cancel = QPushButton("Cancel")
        self.rebuild_cancel.clicked.connect(self._rebuild.cancel)
        self.rebuild_progress = QProgressBar()
        self.rebuild_progress.setRange(0, 100)
        self.rebuild_result = QLabel()
        self.rebuild_result.setWordWrap(True)
        rebuild_row = QHBoxLayout()
        rebuild_row.addWidget(self.rebuild_button)
        rebuild_row.addWidget(self.rebuild_progress, 1)
        rebuild_row.addWidget(self.rebuild_cancel)
        self.quote = QTextBrowser()
        self.events = QListWidget()
        self.events.setToolTip("The job's log: every move, when, and why")
        self.move_to = QComboBox()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("the reason the member reads (needed to deny or to request changes)")
        self.move_button = QPushButton("&Move")
        self.move_button.clicked.connect(self.move)
        move_row = QHBoxLayout()
        move_row.addWidget(QLabel("Move to"))
        move_row.addWidget(self.move_to, 1)
        move_row.addWidget(self.move_button)
        self.printer = QComboBox()
        self.replan_button = QPushButton("Re-&slice for it")
        self.replan_button.setToolTip("Make the job again with this printer's own machine profile (bed, limits, "
                                      "G-code) and the member's material and print settings; quote and send that")
        self.replan_button.clicked.connect(self.replan)
        self.dispatch_button = QPushButton("Send to &printer and start")
        self.dispatch_button.setToolTip("Only a queued job: its program is uploaded, verified and started once")
        self.dispatch_button.clicked.connect(self.dispatch)
        dispatch_row = QHBoxLayout()
        dispatch_row.addWidget(QLabel("Printer"))
        dispatch_row.addWidget(self.printer, 1)
        dispatch_row.addWidget(self.replan_button)
        dispatch_row.addWidget(self.dispatch_button)
        job_pane = QWidget()
        job_layout = QVBoxLayout(job_pane)
        job_layout.setContentsMargins(0, 0, 0, 0)
        job_layout.addWidget(self.job_title)
        job_layout.addWidget(QLabel("Check report"))
        job_layout.addWidget(self.findings, 1)
        job_layout.addLayout(rebuild_row)
        job_layout.addWidget(self.rebuild_result)
        job_layout.addWidget(QLabel("Quote from this workshop's rates"))
        job_layout.addWidget(self.quote, 2)
        job_layout.addWidget(QLabel("Log"))
        job_layout.addWidget(self.events, 2)
        job_layout.addLayout(move_row)
        job_layout.addWidget(self.reason)
        job_layout.addLayout(dispatch_row)
        panes = QSplitter()
        panes.addWidget(queue)
        panes.addWidget(job_pane)
        panes.setSizes([330, 620])

        self.message = QLabel("Log in with a staff account of your workshop's server.")
        self.message.setWordWrap(True)
        self.stop_waiting = StopWaitingButton((self._queue, self._job, self._action, self._log))
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.stop_waiting)
        layout = QVBoxLayout(self)
        layout.addWidget(login_box)
        layout.addWidget(panes, 1)
        layout.addLayout(message_row)

        for runner in (self._queue, self._job, self._rebuild, self._action, self._replan):
            runner.started.connect(lambda label: tell(self.message, label))
            runner.failed.connect(lambda text: tell(self.message, text, error=True))
        for runner in (self._queue, self._job, self._action, self._log):
            runner.cancelled.connect(lambda: tell(self.message, "Stopped waiting"))
        self._queue.done.connect(self._on_queue)
        self._job.done.connect(self._show_job)
        self._rebuild.progressed.connect(lambda fraction, _: self.rebuild_progress.setValue(round(100 * fraction)))
        self._rebuild.done.connect(self._show_rebuild)
        self._rebuild.failed.connect(lambda text: self._show_rebuilding(False))
        self._rebuild.cancelled.connect(lambda: (self._show_rebuilding(False),
                                                 tell(self.message, "Rebuild cancelled")))
        self._action.done.connect(self._on_action)
        self._replan.done.connect(self._show_replan)
        self._replan.failed.connect(lambda _text: self._enable())
        self._log.done.connect(lambda events: (self.events.clear(),
                                               self.events.addItems([event_text(e) for e in events])))
        self._log.failed.connect(lambda text: tell(self.message, f"Cannot read the job's log: {text}", error=True))
        self._printers = {printer.name: printer for printer in list_printers()}
        for printer in self._printers.values():
            self.printer.addItem(f"{printer.name} ({printer.connector})", printer.name)
        self._show_rebuilding(False)
        self._enable()
        self.resize(1000, 820)

    # What the staff (and the tests) do.

    def log_in(self) -> None:
        filled = self.login.filled_in()
        if filled is None:
            tell(self.message, "Fill in the server address, your staff account and its password", error=True)
            return
        address, name, password = filled
        state = self._chosen_state()

        def work(_cancel: Any, _progress: Any) -> tuple[WorkshopSession, list[dict[str, Any]]]:
            session = log_in(address, name, password)
            if session.role != "staff":
                raise WorkshopError(f"{name} is a member account: the inbox is for the workshop's staff")
            return session, session.client().jobs(state)

        self._queue.request(f"Logging in to {address}…", work)

    def refresh(self) -> None:
        if self._session is None:
            return
        session, state = self._session, self._chosen_state()
        self._queue.request("Reading the queue…", lambda _cancel, _progress: (session, session.client().jobs(state)))

    def rebuild(self) -> None:
        if self.opened is None:
            return
        from app.workshops.staff import rebuild_job

        path = self.opened.recipe_path
        self._rebuild.request(f"Rebuilding {path.name}…",
                              lambda cancel, progress: rebuild_job(path, progress, cancel.is_set))
        self._show_rebuilding(True)

    def move(self) -> None:
        if self._session is None or self.opened is None:
            return
        to, reason, opened = self.move_to.currentData(), self.reason.text().strip(), self.opened
        if to == QUOTED and opened.quote is None:
            tell(self.message, f"No quote to approve with: {opened.quote_problem}", error=True)
            return
        findings = self.ticked_findings() if to == CHANGES_REQUESTED else None
        quote = opened.quote if to == QUOTED else None
        session, job_id = self._session, opened.job["id"]
        self._action.request(f"Moving job {job_id} to {state_words(to)}…", lambda _cancel, _progress: (
            session.client().move(job_id, to, reason, quote, findings)))

    def dispatch(self) -> None:
        printer_name = self.printer.currentData()
        if self._session is None or self.opened is None or printer_name is None:
            return
        from app.workshops.staff import dispatch

        session, opened = self._session, self.opened

        def work(cancel: Any, progress: Any) -> dict[str, Any]:
            client = session.client()
            dispatch(client, opened.job, opened.recipe_path, printer_name,
                     progress=lambda sent, total: progress(sent / total if total else 1.0, "uploading"),
                     cancel_flag=cancel)
            return client.job(opened.job["id"])

        self._action.request(f"Sending job {opened.job['id']} to {printer_name}…", work)

    def replan(self) -> None:
        """Make the opened job again for the chosen printer's machine profile; from then on the inbox quotes
        and sends that program."""
        printer = self._printers.get(self.printer.currentData())
        if self._session is None or self.opened is None or printer is None:
            return
        if not printer.profile:
            tell(self.message, f"{printer.name} has no machine profile to slice for: give it one with "
                               f"`localfab printers add {printer.name} ... --profile PROFILE`", error=True)
            return
        from app.workshops.staff import replan_for_printer

        session, opened = self._session, self.opened
        replanned = Path(self._scratch.name) / f"job-{opened.job['id']}-{printer.profile}.localfab"

        def work(cancel: Any, progress: Any) -> tuple[OpenedJob, Any]:
            fabrication = replan_for_printer(opened.recipe_path, printer.profile, replanned, progress, cancel.is_set)
            quote, problem = _workshop_quote(session.client(), replanned)
            return replace(opened, recipe_path=replanned, quote=quote, quote_problem=problem), fabrication

        self._replan.request(f"Re-slicing job {opened.job['id']} for {printer.profile}…", work)
        self._enable()

    def ticked_findings(self) -> list[str]:
        rules = (self.findings.item(row) for row in range(self.findings.count()))
        return sorted({item.data(Qt.ItemDataRole.UserRole) for item in rules
                       if item.checkState() == Qt.CheckState.Checked})

    def choose_move(self, state: str) -> bool:
        """Choose the move to `state` in the list, when it is one the opened job can make."""
        index = self.move_to.findData(state)
        if index >= 0:
            self.move_to.setCurrentIndex(index)
        return index >= 0

    @property
    def working(self) -> bool:
        """Whether any answer is still awaited."""
        return any(runner.busy for runner in (self._queue, self._job, self._rebuild, self._action, self._log,
                                              self._replan))

    def job_ids(self) -> list[int]:
        return [job["id"] for job in self._jobs]

    def message_text(self) -> str:
        return self.message.text()

    # Showing answers.

    def _chosen_state(self) -> str | None:
        index = self.state_filter.currentIndex()
        return STATES[index - 1] if index > 0 else None

    def _on_queue(self, answer: tuple[WorkshopSession, list[dict[str, Any]]]) -> None:
        first_time = self._session is None
        self._session, self._jobs = answer
        opened_id = self.opened.job["id"] if self.opened else None
        self.jobs.blockSignals(True)  # the list is refilled, not a new choice
        self.jobs.clear()
        for job in self._jobs:
            self.jobs.addItem(f"#{job['id']}  {job['title']}\n    {state_words(job['state'])}, "
                              f"{job['process']}, {job['material']}")
        ids = self.job_ids()
        self.jobs.setCurrentRow(ids.index(opened_id) if opened_id in ids else -1)
        self.jobs.blockSignals(False)
        if opened_id in ids:  # someone else (the member, another staff) may have moved it meanwhile
            self._update_opened(self._jobs[ids.index(opened_id)])
        if first_time:
            tell(self.message, f"Logged in to {self._session.address} as {self._session.name}")
        else:
            tell(self.message, f"{len(self._jobs)} job(s) in {self.state_filter.currentText()}")
        self._enable()

    def _open_row(self, row: int) -> None:
        if self._session is None or not 0 <= row < len(self._jobs):
            return
        from app.workshops.staff import check_report, fetch_recipe

        session, job, folder = self._session, self._jobs[row], Path(self._scratch.name)

        def work(_cancel: Any, _progress: Any) -> OpenedJob:
            client = session.client()
            path = fetch_recipe(client, job, folder)
            return OpenedJob(job, path, check_report(path), *_workshop_quote(client, path))

        self._job.request(f"Fetching job {job['id']}…", work)

    def _show_job(self, opened: OpenedJob) -> None:
        self.opened = opened
        job, report = opened.job, opened.report
        self._show_title(job)
        self.findings.clear()
        findings = [f for f in report.get("findings", []) if isinstance(f, dict)]
        for finding in findings:
            item = QListWidgetItem(f"{finding.get('severity', '?')}: {finding.get('message', '')} "
                                   f"[{finding.get('rule', '')}]")
            item.setData(Qt.ItemDataRole.UserRole, str(finding.get("rule", "")))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.findings.addItem(item)
        if not findings:
            self.findings.addItem("No findings: the member's check passed cleanly")
            self.findings.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self._show_quote(opened)
        self.rebuild_result.clear()
        self._offer_moves(job["state"])
        self._read_log(job["id"])
        tell(self.message, f"Opened job {job['id']}")
        self._enable()

    def _read_log(self, job_id: int) -> None:
        if self._session is not None:
            session = self._session
            self._log.request(f"Reading the log of job {job_id}…",
                              lambda _cancel, _progress: session.client().events(job_id))

    def _offer_moves(self, state: str) -> None:
        self.move_to.clear()
        for target in TRANSITIONS[state]:
            self.move_to.addItem(MOVE_WORDS.get(target, state_words(target)), target)

    def _show_rebuild(self, report: Any) -> None:
        self._show_rebuilding(False)
        notes = f" ({'; '.join(report.notes)})" if report.notes else ""
        if report.identical:
            tell(self.rebuild_result, f"Rebuilt byte-identical: {', '.join(o.name for o in report.outputs)}{notes}")
        else:
            differing = "; ".join(f"{o.name} (recorded {o.recorded[:12]}, rebuilt {o.rebuilt[:12]})"
                                  for o in report.outputs if not o.same)
            tell(self.rebuild_result, f"Rebuilt, but these differ: {differing}{notes}", error=True)
        tell(self.message, "Rebuild finished")

    def _show_replan(self, answer: tuple[OpenedJob, Any]) -> None:
        self.opened, fabrication = answer
        estimate, printer = fabrication.program.estimate, fabrication.recipe.printer
        self._show_quote(self.opened)
        tell(self.rebuild_result, f"Re-sliced for {printer.get('name', printer.get('id', ''))}: "
                                  f"{estimate.time_s / 3600:.1f} h, {estimate.filament_g:.1f} g; the quote and the "
                                  "program sent are this one now")
        tell(self.message, "Re-slice finished")
        self._enable()

    def _show_quote(self, opened: OpenedJob) -> None:
        if opened.quote is not None:
            self.quote.setHtml(costing_html(opened.quote))
        else:
            self.quote.setPlainText(f"No quote worked out: {opened.quote_problem}")

    def _show_rebuilding(self, running: bool) -> None:
        self.rebuild_progress.setVisible(running)
        self.rebuild_cancel.setVisible(running)
        self.rebuild_button.setEnabled(not running and self.opened is not None)

    def _on_action(self, job: dict[str, Any]) -> None:
        self._update_opened(job)
        self.reason.clear()
        tell(self.message, f"Job {job['id']} is now {state_words(job['state'])}")
        self.refresh()

    def _update_opened(self, job: dict[str, Any]) -> None:
        """Show the opened job's new state and the moves it allows now; its recipe and report stay."""
        opened = self.opened
        if opened is None or opened.job["id"] != job["id"]:
            return
        if job["state"] != opened.job["state"]:
            self._offer_moves(job["state"])
            self._read_log(job["id"])
        self.opened = replace(opened, job=job)
        self._show_title(job)
        self._enable()

    def _show_title(self, job: dict[str, Any]) -> None:
        self.job_title.setText(f"Job {job['id']}: {job['title']} ({job['process']}, {job['material']}) — "
                               f"{state_words(job['state'])}")

    def _enable(self) -> None:
        logged_in, opened = self._session is not None, self.opened is not None
        self.refresh_button.setEnabled(logged_in)
        self.state_filter.setEnabled(logged_in)
        self.rebuild_button.setEnabled(opened and not self._rebuild.busy)
        self.move_button.setEnabled(opened and self.move_to.count() > 0)
        self.dispatch_button.setEnabled(opened and self.printer.count() > 0 and self.opened.job["state"] == QUEUED)
        self.replan_button.setEnabled(opened and self.printer.count() > 0 and not self._replan.busy)
        if self.printer.count() == 0:
            self.dispatch_button.setToolTip("Add the workshop's printers in Settings → Printers to send jobs to them")

    def done(self, result: int) -> None:
        for runner in (self._queue, self._job, self._rebuild, self._action, self._log, self._replan):
            runner.shutdown()
        self._scratch.cleanup()
        super().done(result)


def _workshop_quote(client: Any, recipe_path: Path) -> tuple[dict[str, Any] | None, str]:
    """The quote for a recipe from the rates the workshop's server publishes, or None and why not."""
    from app.workshops.staff import quote_for

    try:
        return quote_for(recipe_path, client.published_workshop()), ""
    except WorkshopError as exc:
        return None, str(exc)
