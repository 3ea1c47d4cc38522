"""A workshop job's states and audit events in words, the same in the member's window and the staff's inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any


def state_words(state: str) -> str:
    """"ready_for_pickup" -> "ready for pickup"."""
    return state.replace("_", " ")


def event_text(event: dict[str, Any]) -> str:
    """One audit event as a line: when (UTC, to the second), the move, its reason and the check findings a
    request for changes points at."""
    try:
        when = dt.datetime.fromisoformat(str(event["at"])).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        when = str(event["at"])  # shown as the server wrote it rather than not at all
    step = f"{state_words(event['from']) if event['from'] else 'new'} → {state_words(event['to'])}"
    findings = (event.get("details") or {}).get("findings")
    about = f" (about {', '.join(findings)})" if findings else ""
    return f"{when}  {step}" + (f": {event['reason']}" if event["reason"] else "") + about
