"""The life of a job at a workshop: its states, which moves are allowed, and who may make each.

A member may accept or decline a quote and cancel a job that is not yet running; everything else is the
staff's. Denying and requesting changes need a reason (changes may point at check findings by rule id);
quoting needs a quote. The server records every move in the audit log with its time, actor and reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

SUBMITTED, IN_REVIEW, CHANGES_REQUESTED, DENIED, QUOTED = "submitted", "in_review", "changes_requested", "denied", \
    "quoted"
ACCEPTED, QUEUED, RUNNING, PAUSED, DONE, FAILED = "accepted", "queued", "running", "paused", "done", "failed"
READY_FOR_PICKUP, PICKED_UP, CANCELLED = "ready_for_pickup", "picked_up", "cancelled"
STATES = (SUBMITTED, IN_REVIEW, CHANGES_REQUESTED, DENIED, QUOTED, ACCEPTED, QUEUED, RUNNING, PAUSED, DONE, FAILED,
          READY_FOR_PICKUP, PICKED_UP, CANCELLED)
# RUNNING is "printing or cutting": the same state whatever the process.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    SUBMITTED: (IN_REVIEW, DENIED, CANCELLED),
    IN_REVIEW: (CHANGES_REQUESTED, DENIED, QUOTED, CANCELLED),
    CHANGES_REQUESTED: (IN_REVIEW, CANCELLED),
    QUOTED: (ACCEPTED, CANCELLED),
    ACCEPTED: (QUEUED, CANCELLED),
    QUEUED: (RUNNING, CANCELLED),
    RUNNING: (PAUSED, DONE, FAILED),
    PAUSED: (RUNNING, FAILED, CANCELLED),
    FAILED: (QUEUED, CANCELLED),
    DONE: (READY_FOR_PICKUP,),
    READY_FOR_PICKUP: (PICKED_UP,),
    DENIED: (), PICKED_UP: (), CANCELLED: (),
}
MEMBER_MOVES = {(QUOTED, ACCEPTED), *((state, CANCELLED) for state in
                                      (SUBMITTED, IN_REVIEW, CHANGES_REQUESTED, QUOTED, ACCEPTED, QUEUED))}
NEEDS_REASON = (DENIED, CHANGES_REQUESTED)


class TransitionRefused(Exception):
    """A move that is not allowed; `status` is the HTTP status that says why (403 not yours to make,
    409 not from this state, 422 a reason or quote missing)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def check_transition(current: str, target: str, role: str, reason: str, details: Mapping[str, Any],
                     known_rules: Collection[str] = ()) -> None:
    """Raise TransitionRefused unless `role` may move a job from `current` to `target` with these details.
    `known_rules`: the rule ids of the job's check findings, which a request for changes may point at."""
    if target not in STATES:
        raise TransitionRefused(f"{target!r} is not a job state; states are {', '.join(STATES)}", 422)
    if role != "staff" and (current, target) not in MEMBER_MOVES:
        raise TransitionRefused(f"only the workshop's staff can move a job to {target}", 403)
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(TRANSITIONS[current]) or "nothing (this is a final state)"
        raise TransitionRefused(f"a {current} job cannot become {target}; from {current} it can become {allowed}",
                                409)
    if target in NEEDS_REASON and not reason.strip():
        raise TransitionRefused(f"say why: moving a job to {target} needs a reason the member can act on", 422)
    if target == CHANGES_REQUESTED:
        findings = details.get("findings", [])
        if not isinstance(findings, list) or not all(isinstance(f, str) for f in findings):
            raise TransitionRefused("findings must be a list of check rule ids", 422)
        unknown = sorted(set(findings) - set(known_rules))
        if unknown:
            raise TransitionRefused(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not among this "
                                    f"job's check findings ({', '.join(sorted(known_rules)) or 'it has none'})", 422)
    if target == QUOTED:
        check_quote(details.get("quote"))


def check_quote(quote: Any) -> None:
    if not isinstance(quote, Mapping):
        raise TransitionRefused("a quote needs its figures: {\"currency\": \"EUR\", \"total\": \"10.70\", "
                                "\"lines\": [...]}", 422)
    currency = quote.get("currency")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise TransitionRefused("the quote's currency must be an ISO 4217 code such as EUR", 422)
    try:
        total = Decimal(str(quote.get("total")))
    except InvalidOperation:
        total = Decimal(-1)
    if not total.is_finite() or total < 0:
        raise TransitionRefused("the quote's total must be an amount of zero or more, such as \"10.70\"", 422)
