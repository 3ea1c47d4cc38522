"""HTTP plumbing the network connectors share: timeouts on every request, replies turned into typed errors
with a message for a person, uploads that report progress and can be cancelled, and safe retries of
uploads (an upload to the same name replaces the file, so sending it again cannot double a job)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import requests

from app.machines.base import (
    AuthenticationFailed,
    DiskFull,
    FileRejected,
    MachineError,
    MachineTimeout,
    PrinterBusy,
    Unreachable,
    UploadProgress,
    WrongAddress,
)

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
UPLOAD_ATTEMPTS = 3
RETRY_PAUSE_S = 0.5
CHUNK_BYTES = 64 << 10
MAX_REPLY_BYTES = 8 << 20


class UploadCancelled(MachineError):
    """The person cancelled the upload."""


class ProgressBody:
    """A request body that reports how much of it was read and stops when the cancel flag is set."""

    def __init__(self, data: bytes, progress: UploadProgress | None, cancel_flag: threading.Event | None) -> None:
        self._data = data
        self._sent = 0
        self._progress = progress
        self._cancel_flag = cancel_flag

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self):  # requests treats a body with __iter__ and __len__ as a stream of known length
        while chunk := self.read(CHUNK_BYTES):
            yield chunk

    def tell(self) -> int:
        return self._sent

    def seek(self, offset: int, whence: int = 0) -> int:  # requests rewinds a body to send it again after a 401
        self._sent = offset if whence == 0 else len(self._data) + offset if whence == 2 else self._sent + offset
        return self._sent

    def read(self, size: int = -1) -> bytes:
        if self._cancel_flag is not None and self._cancel_flag.is_set():
            raise UploadCancelled("upload cancelled")
        end = len(self._data) if size is None or size < 0 else min(len(self._data), self._sent + size)
        chunk = self._data[self._sent:end]
        self._sent = end
        if self._progress is not None and chunk:
            self._progress(self._sent, len(self._data))
        return chunk


class HttpApi:
    """One machine's HTTP API at `base_url` (e.g. http://192.168.1.20:5000), named `service` in messages."""

    def __init__(self, base_url: str, service: str, headers: Mapping[str, str] | None = None,
                 auth: requests.auth.AuthBase | None = None, read_timeout_s: float = READ_TIMEOUT_S) -> None:
        if not base_url.startswith(("http://", "https://")):
            base_url = "http://" + base_url
        self.base_url = base_url.rstrip("/")
        self.service = service
        self._session = requests.Session()
        self._session.headers.update(headers or {})
        self._session.auth = auth
        self._timeout = (CONNECT_TIMEOUT_S, read_timeout_s)

    def request(self, method: str, path: str, *, expect: tuple[int, ...] = (200,),
                refusals: Mapping[int, MachineError] | None = None, **kwargs: Any) -> requests.Response:
        """Send one request; a reply outside `expect` raises the typed error `refusals` gives for its status,
        else the usual one for that status."""
        url = self.base_url + path
        try:
            reply = self._session.request(method, url, timeout=self._timeout, allow_redirects=False, stream=True,
                                          **kwargs)
            self._read_bounded(reply, path)
        except (UploadCancelled, WrongAddress):
            raise
        except requests.exceptions.ConnectTimeout as exc:
            raise Unreachable(f"{self.service} at {self.base_url} does not answer: check that the machine is on "
                              "and on this network, and the address in `localfab printers list`") from exc
        except requests.exceptions.Timeout as exc:
            raise MachineTimeout(f"{self.service} at {self.base_url} stopped answering ({method} {path}): "
                                 "check the machine, then try again") from exc
        except requests.exceptions.InvalidURL as exc:
            raise WrongAddress(f"{self.base_url} is not a usable address: give host:port, "
                               "e.g. 192.168.1.20:5000") from exc
        except requests.exceptions.ConnectionError as exc:
            raise Unreachable(f"cannot reach {self.service} at {self.base_url} (the connection was refused or "
                              "dropped): check that the machine and its server are running and the address "
                              "and port are right") from exc
        except requests.exceptions.RequestException as exc:
            raise Unreachable(f"cannot talk to {self.service} at {self.base_url}: {exc}") from exc
        if reply.status_code in expect:
            return reply
        refusal = (refusals or {}).get(reply.status_code)
        raise refusal if refusal is not None else self._usual_error(reply, method, path)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a reply; a reply that is not JSON means something else answers at the address."""
        reply = self.request(method, path, **kwargs)
        try:
            return reply.json()
        except ValueError as exc:
            raise WrongAddress(f"what answers at {self.base_url} is not {self.service} (its reply to {path} is "
                               "not JSON): check the address and port") from exc

    def upload(self, method: str, path: str, body: bytes, *, progress: UploadProgress | None = None,
               cancel_flag: threading.Event | None = None, **kwargs: Any) -> requests.Response:
        """Send `body` with progress, retrying when the connection fails; only use for requests that are
        safe to repeat (the same file to the same name)."""
        attempt = 1
        while True:
            try:
                return self.request(method, path, data=ProgressBody(body, progress, cancel_flag), **kwargs)
            except (Unreachable, MachineTimeout):
                if attempt == UPLOAD_ATTEMPTS:
                    raise
            time.sleep(RETRY_PAUSE_S * attempt)
            attempt += 1

    def _read_bounded(self, reply: requests.Response, path: str) -> None:
        """Read the reply's body, refusing one larger than any answer a machine gives (a reply is untrusted)."""
        body = bytearray()
        for chunk in reply.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > MAX_REPLY_BYTES:
                reply.close()
                raise WrongAddress(f"{self.service} at {self.base_url} sent an unexpectedly large reply to {path}: "
                                   "check the address")
        reply._content = bytes(body)  # where requests keeps a body it has read, so .json() and .text use it

    def _usual_error(self, reply: requests.Response, method: str, path: str) -> MachineError:
        status = reply.status_code
        detail = _detail(reply)
        where = f"{self.service} at {self.base_url}"
        if status in (401, 403):
            return AuthenticationFailed(f"{where} refused the API key{detail}: make a new key on the machine "
                                        "and store it with `localfab printers add`")
        if status == 404:
            return WrongAddress(f"{where} has no {path}{detail}: check the address, port and connector kind")
        if status == 409:
            return PrinterBusy(f"{where} is busy or not ready{detail}: wait for the current job or connect "
                               "the printer, then try again")
        if status in (413, 507):
            return DiskFull(f"{where} has no room for the file{detail}: delete old files on the machine")
        if status in (400, 415, 422):
            return FileRejected(f"{where} refused the request {method} {path}{detail}")
        if status in (502, 503, 504):
            return Unreachable(f"{where} is not ready (HTTP {status}){detail}: wait a moment and try again")
        return MachineError(f"{where} answered HTTP {status} to {method} {path}{detail}")


def _detail(reply: requests.Response) -> str:
    """A short reason from the reply body, if it has one: ` (reason)`."""
    text = reply.text[:300].strip() if reply.content else ""
    try:
        data = reply.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        text = str(error or data.get("message") or data.get("title") or text)
    return f" ({text[:200]})" if text and not text.lstrip().startswith("<") else ""
