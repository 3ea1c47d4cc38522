"""Make at a workshop: the member's side. Type where you are; the workshops of your directory come ranked,
each with its reasons and its quote beside printing at home and buying; choose one, log in to its server,
submit the recipe (a retry is the same job: one idempotency key per window), then follow the job and accept
or decline the workshop's quote.

All talking to servers and all working out runs off the UI thread (app.gui.background); the job's state is
polled, and a poll is only asked for when the last one has answered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.gui.background import LatestRunner
from app.gui.workshop_account import LoginForm, WorkshopSession, log_in, tell
from app.gui.workshop_quote_view import comparison_html, costing_html
from app.gui.workshop_waiting import StopWaitingButton
from app.gui.workshop_words import event_text, state_words
from app.workshops.offers import Offer, Offers
from app.workshops.server.jobs import ACCEPTED, CANCELLED, QUOTED, TRANSITIONS

POLL_MS = 1000
SUBMIT_WIDTH_PX = 380  # room for a whole server address
FINAL_STATES = {state for state, onward in TRANSITIONS.items() if not onward}
DECLINE_REASON = "quote declined by the member"


@dataclass(frozen=True)
class JobNews:
    """What a poll brought back: the job as the server has it, and its log from the start."""

    job: dict[str, Any]
    events: list[dict[str, Any]]


class MakeAtWorkshopDialog(QDialog):
    """Chooses a workshop for the recipe at `recipe_path`, submits it there and follows the job."""

    def __init__(self, recipe_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Make {recipe_path.stem} at a workshop")
        self._recipe_path = recipe_path
        self._offers: tuple[Offer, ...] = ()
        self._session: WorkshopSession | None = None
        self._idempotency_key = str(uuid.uuid4())  # the same for every submit from this window: one job
        self.job: dict[str, Any] | None = None
        self._search = LatestRunner(self)
        self._server = LatestRunner(self)
        self._poll = LatestRunner(self)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self.poll)

        self.near = QLineEdit()
        self.near.setPlaceholderText("a town (Bristol, or Cambridge, GB) or coordinates (51.45, -2.59)")
        self.near.returnPressed.connect(self.find)
        self.retail = QLineEdit()
        self.retail.setPlaceholderText("optional, e.g. 12.50")
        self.retail.setMaximumWidth(120)
        self.retail.setToolTip("What buying the part would cost, to compare against (in your home currency)")
        self.examples = QCheckBox("Include the built-in examples")
        self.examples.setToolTip("Made-up workshops, for trying localfab before adding real ones")
        self.find_button = QPushButton("&Find workshops")
        self.find_button.clicked.connect(self.find)
        near_label = QLabel("&Near")
        near_label.setBuddy(self.near)
        search_row = QHBoxLayout()
        search_row.addWidget(near_label)
        search_row.addWidget(self.near, 1)
        search_row.addWidget(QLabel("Buy price"))
        search_row.addWidget(self.retail)
        search_row.addWidget(self.examples)
        search_row.addWidget(self.find_button)

        self.matches = QListWidget()
        self.matches.currentRowChanged.connect(self._show_offer)
        self.details = QTextBrowser()
        self.details.setPlaceholderText("Choose a workshop to see why it fits or not, and what it would cost")
        found = QSplitter()
        found.addWidget(self.matches)
        found.addWidget(self.details)
        found.setSizes([300, 560])

        self.login = LoginForm()
        self.submit_button = QPushButton("Log in and &submit the recipe")
        self.submit_button.clicked.connect(self.submit)
        submit_box = QGroupBox("Submit to the chosen workshop")
        submit_layout = QVBoxLayout(submit_box)
        submit_layout.addWidget(self.login)
        submit_layout.addWidget(self.submit_button)

        self.job_state = QLabel("No job yet")
        self.job_state.setStyleSheet("font-weight: 600;")
        self.events = QListWidget()
        self.quote = QTextBrowser()
        self.quote.setPlaceholderText("The workshop's quote appears here once they have made it")
        self.accept_button = QPushButton("&Accept the quote")
        self.accept_button.clicked.connect(lambda: self._move(ACCEPTED))
        self.decline_button = QPushButton("&Decline")
        self.decline_button.clicked.connect(lambda: self._move(CANCELLED, DECLINE_REASON))
        answer_row = QHBoxLayout()
        answer_row.addWidget(self.accept_button)
        answer_row.addWidget(self.decline_button)
        job_box = QGroupBox("Your job")
        job_layout = QVBoxLayout(job_box)
        job_layout.addWidget(self.job_state)
        job_layout.addWidget(self.events, 1)
        job_layout.addWidget(self.quote, 1)
        job_layout.addLayout(answer_row)
        submit_box.setMinimumWidth(SUBMIT_WIDTH_PX)
        lower = QHBoxLayout()
        lower.addWidget(submit_box)
        lower.addWidget(job_box, 1)

        self.message = QLabel("Type where you are and find the workshops that can make this part.")
        self.message.setWordWrap(True)
        self.stop_waiting = StopWaitingButton((self._search, self._server))
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.stop_waiting)
        layout = QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addWidget(found, 3)
        layout.addLayout(lower, 2)
        layout.addLayout(message_row)

        for runner, failure in ((self._search, "Cannot search"), (self._server, "Not sent")):
            runner.started.connect(lambda label: tell(self.message, label))
            runner.failed.connect(lambda text, failure=failure: tell(self.message, f"{failure}: {text}", error=True))
            runner.cancelled.connect(lambda: tell(self.message, "Stopped waiting"))
        self._search.done.connect(self._show_offers)
        self._server.done.connect(self._on_job)
        self._poll.done.connect(self._show_news)
        self._poll.failed.connect(lambda text: tell(self.message, f"Cannot follow the job: {text}", error=True))
        self._enable()
        self.resize(980, 760)

    # What the person (and the tests) do.

    def find(self) -> None:
        from app.jobs import read_recipe
        from app.workshops.directory import list_workshops
        from app.workshops.offers import retail_price, workshop_offers

        path, near, retail_text, examples = (self._recipe_path, self.near.text(), self.retail.text(),
                                             self.examples.isChecked())
        self._search.request(f"Finding workshops near {near.strip() or '…'}…", lambda _cancel, _progress: (
            workshop_offers(read_recipe(path), near, list_workshops(examples), dt.date.today(),
                            retail_price(retail_text))))

    def submit(self) -> None:
        filled = self.login.filled_in()
        if filled is None:
            tell(self.message, "Fill in the workshop's server address, your account name and your password",
                 error=True)
            return
        address, name, password = filled
        path, key = self._recipe_path, self._idempotency_key

        def work(_cancel: Any, _progress: Any) -> tuple[WorkshopSession, dict[str, Any]]:
            session = log_in(address, name, password)
            return session, session.client().submit(path, idempotency_key=key)

        self._server.request(f"Submitting {path.name} to {address}…", work)

    def poll(self) -> None:
        """Ask the server for the job's state and log, unless the last question is still out."""
        if self._session is None or self.job is None or self._poll.busy:
            return
        session, job_id = self._session, self.job["id"]

        def work(_cancel: Any, _progress: Any) -> JobNews:
            client = session.client()
            return JobNews(client.job(job_id), client.events(job_id))

        self._poll.request(f"Asking about job {job_id}…", work)

    @property
    def working(self) -> bool:
        """Whether a search or an answer from the server is still awaited (polls aside)."""
        return self._search.busy or self._server.busy

    @property
    def following(self) -> bool:
        """Whether the job's state is still being asked for (it stops at a final state)."""
        return self._poll_timer.isActive()

    @property
    def offers(self) -> tuple[Offer, ...]:
        return self._offers

    def message_text(self) -> str:
        return self.message.text()

    # Showing answers.

    def _show_offers(self, found: Offers) -> None:
        self._offers = found.offers
        self.matches.clear()
        for offer in found.offers:
            match = offer.match
            verdict = "✔" if match.ok else "✘"
            price = f" — {match.costing.total} {match.costing.currency}" if match.costing else ""
            self.matches.addItem(f"{verdict} {match.workshop.name}\n    {match.distance_km:.1f} km{price}")
        fitting = sum(offer.match.ok for offer in found.offers)
        tell(self.message, f"{fitting} of {len(found.offers)} workshops can make it, near {found.near.name} "
                           f"({found.near.source})")
        if found.offers:
            self.matches.setCurrentRow(0)

    def _show_offer(self, row: int) -> None:
        if not 0 <= row < len(self._offers):
            self.details.clear()
            return
        offer = self._offers[row]
        match = offer.match
        verdict = "can make it" if match.ok else "cannot make it"
        reasons = "".join(f"<li>{escape(reason)}</li>" for reason in match.reasons)
        example = "<p><i>A made-up example, not a real workshop.</i></p>" if match.workshop.example else ""
        provenance = match.workshop.provenance
        self.details.setHtml(
            f"<h3>{escape(match.workshop.name)} {verdict}</h3>{example}<ul>{reasons}</ul>"
            f"{comparison_html(offer.comparison.as_json())}"
            f"<p><small>Record from {escape(provenance.source or 'unknown')}, "
            f"{escape(provenance.date or 'undated')}</small></p>")
        if match.workshop.server:
            self.login.address.setText(match.workshop.server)
        self._enable()

    def _on_job(self, answer: tuple[WorkshopSession, dict[str, Any]] | dict[str, Any]) -> None:
        if isinstance(answer, tuple):
            self._session, job = answer
            tell(self.message, f"Submitted as job {job['id']} to {self._session.address}")
        else:
            job = answer
            tell(self.message, f"Job {job['id']} is now {state_words(job['state'])}")
        self._show_job(job)
        self._poll.discard_running()  # a poll sent before this answer would show the state before it
        self._poll_timer.start()
        self.poll()

    def _show_news(self, news: JobNews) -> None:
        self._show_job(news.job)
        self.events.clear()
        self.events.addItems([event_text(event) for event in news.events])
        if news.job["state"] in FINAL_STATES:
            self._poll_timer.stop()

    def _show_job(self, job: dict[str, Any]) -> None:
        self.job = job
        self.job_state.setText(f"Job {job['id']} ({job['title']}): {state_words(job['state'])}")
        if job.get("quote"):
            self.quote.setHtml(costing_html(job["quote"], "The workshop's quote"))
        self._enable()

    def _move(self, to: str, reason: str = "") -> None:
        if self._session is None or self.job is None:
            return
        session, job_id = self._session, self.job["id"]
        self._server.request(f"Telling the workshop: {state_words(to)}…",
                             lambda _cancel, _progress: session.client().move(job_id, to, reason))

    def _enable(self) -> None:
        quoted = self.job is not None and self.job["state"] == QUOTED
        self.accept_button.setEnabled(quoted)
        self.decline_button.setEnabled(quoted)
        self.submit_button.setEnabled(self.job is None)  # a retry before an answer is the same job

    def done(self, result: int) -> None:
        self._poll_timer.stop()
        for runner in (self._search, self._server, self._poll):
            runner.shutdown()
        super().done(result)
