"""Talking to a workshop server: log in, submit a recipe (retried safely), follow and move jobs.

A submission carries an Idempotency-Key and the recipe's SHA-256; a retry after a lost answer or a dropped
connection sends the same key, so the server makes the job once however often it is sent.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from app.workshops.errors import WorkshopError
from app.workshops.okw import Workshop, workshop_from_json

TIMEOUT_S = 30.0
MAX_ANSWER_BYTES = 1 << 20


class WorkshopClient:
    def __init__(self, address: str, token: str = "", timeout_s: float = TIMEOUT_S) -> None:
        address = address.strip().rstrip("/")
        if not address.startswith(("http://", "https://")):
            address = "http://" + address
        self.address = address
        self.token = token
        self.timeout_s = timeout_s
        self._http = requests.Session()

    def published_workshop(self) -> Workshop:
        return workshop_from_json(self._call("GET", "/api/v1/okw"), f"the record published by {self.address}")

    def log_in(self, name: str, password: str) -> dict[str, str]:
        answer = self._call("POST", "/api/v1/login", json={"name": name, "password": password})
        self.token = answer["token"]
        return answer

    def add_account(self, name: str, password: str, role: str = "member") -> dict[str, str]:
        return self._call("POST", "/api/v1/accounts", json={"name": name, "password": password, "role": role})

    def submit(self, recipe: bytes | Path, idempotency_key: str | None = None, attempts: int = 5) -> dict[str, Any]:
        """Submit a recipe; on a dropped connection or a 5xx answer, send it again with the same key."""
        data = Path(recipe).read_bytes() if isinstance(recipe, Path) else recipe
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4()),
                   "X-Recipe-SHA256": hashlib.sha256(data).hexdigest(), "Content-Type": "application/zip"}
        failure: _Retryable | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(0.2 * 2**attempt, 5.0))
            try:
                return self._call("POST", "/api/v1/jobs", data=data, headers=headers)
            except _Retryable as exc:
                failure = exc
        raise WorkshopError(f"{self.address} did not take the recipe after {attempts} tries ({failure}); nothing "
                            f"was lost: send it again later with --key {headers['Idempotency-Key']}") from failure

    def jobs(self, state: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/jobs", params={"state": state} if state else None)

    def job(self, job_id: int) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/jobs/{job_id}")

    def recipe(self, job_id: int) -> bytes:
        return self._call("GET", f"/api/v1/jobs/{job_id}/recipe", raw=True)

    def move(self, job_id: int, to: str, reason: str = "", quote: dict | None = None,
             findings: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"to": to, "reason": reason}
        if quote is not None:
            body["quote"] = quote
        if findings is not None:
            body["findings"] = findings
        return self._call("POST", f"/api/v1/jobs/{job_id}/transitions", json=body)

    def events(self, job_id: int, after: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/jobs/{job_id}/events", params={"after": after})

    def follow(self, job_id: int, after: int = 0) -> Iterator[dict[str, Any]]:
        """The job's audit events as they happen (server-sent events), from after event id `after`; blocks
        between events, so run it off the UI thread. Ends when the server closes the stream."""
        headers = {"Authorization": f"Bearer {self.token}", "Last-Event-ID": str(after)}
        try:
            with self._http.get(f"{self.address}/api/v1/jobs/{job_id}/events/stream", headers=headers, stream=True,
                                timeout=(self.timeout_s, None)) as response:
                if response.status_code >= 400:
                    raise WorkshopError(f"{self.address}: {_detail(response)} (HTTP {response.status_code})")
                for line in response.iter_lines(decode_unicode=True):
                    if line.startswith("data: "):
                        yield json.loads(line[len("data: "):])
        except requests.RequestException as exc:
            raise _Retryable(f"lost the event stream of {self.address}: {exc.__class__.__name__}; follow again "
                             "from the last event seen") from exc

    def _call(self, method: str, path: str, raw: bool = False, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._http.request(method, self.address + path, headers=headers, timeout=self.timeout_s,
                                          **kwargs)
        except requests.ConnectionError as exc:
            raise _Retryable(f"cannot reach {self.address}: {exc.__class__.__name__}") from exc
        except requests.Timeout as exc:
            raise _Retryable(f"{self.address} did not answer within {self.timeout_s:g} s") from exc
        if response.status_code >= 500:
            raise _Retryable(f"{self.address} answered {response.status_code}")
        if response.status_code >= 400:
            raise WorkshopError(f"{self.address}: {_detail(response)} (HTTP {response.status_code})")
        if raw:
            return response.content
        if len(response.content) > MAX_ANSWER_BYTES:
            raise WorkshopError(f"{self.address} sent an answer too large to be a workshop server's")
        try:
            return response.json()
        except ValueError as exc:
            raise WorkshopError(f"{self.address} is not a localfab workshop server (its answer is not JSON)") from exc


class _Retryable(WorkshopError):
    """The request may not have arrived, or the server failed: the same request may be sent again."""


def _detail(response: requests.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):  # FastAPI's validation errors: say which fields
        detail = "; ".join(f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg')}" for d in detail)
    return str(detail or response.reason or "refused")
