"""The job state machine on its own: every state reachable, nothing done before it was queued, final states
final, and members limited to accepting, declining and cancelling."""

from __future__ import annotations

import pytest

from app.workshops.server.jobs import (
    DONE,
    MEMBER_MOVES,
    QUEUED,
    RUNNING,
    STATES,
    SUBMITTED,
    TRANSITIONS,
    TransitionRefused,
    check_transition,
)


def _reachable(start: str, avoiding: str = "") -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in TRANSITIONS[todo.pop()]:
            if target not in seen and target != avoiding:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_state_can_be_reached_from_submitted():
    assert _reachable(SUBMITTED) == set(STATES)


def test_no_job_is_done_or_running_without_being_queued_first():
    assert DONE not in _reachable(SUBMITTED, avoiding=QUEUED)
    assert RUNNING not in _reachable(SUBMITTED, avoiding=QUEUED)


def test_final_states_lead_nowhere():
    for state in ("denied", "picked_up", "cancelled"):
        with pytest.raises(TransitionRefused, match="final state") as refused:
            check_transition(state, "queued", "staff", "", {})
        assert refused.value.status == 409


def test_members_may_only_accept_decline_or_cancel():
    for current in STATES:
        for target in TRANSITIONS[current]:
            if (current, target) in MEMBER_MOVES:
                check_transition(current, target, "member", "", {})
            else:
                with pytest.raises(TransitionRefused) as refused:
                    check_transition(current, target, "member", "a reason", {"quote": {"currency": "EUR",
                                                                                         "total": "1"}})
                assert refused.value.status == 403
    assert {target for _, target in MEMBER_MOVES} == {"accepted", "cancelled"}


@pytest.mark.parametrize(("target", "details", "message"), [
    ("denied", {}, "needs a reason"),
    ("quoted", {"quote": {"currency": "EUR", "total": "-1"}}, "zero or more"),
    ("quoted", {"quote": {"currency": "euros", "total": "3"}}, "ISO 4217"),
    ("teleported", {}, "is not a job state"),
])
def test_staff_moves_need_their_details(target, details, message):
    with pytest.raises(TransitionRefused, match=message):
        check_transition("in_review", target, "staff", "", details)
