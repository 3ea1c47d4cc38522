"""The HTTP plumbing every network connector shares: what answers at the address decides the error."""

from __future__ import annotations

import pytest

from app.machines.base import FileRejected, PrinterBusy, WrongAddress
from app.machines.http_api import MAX_REPLY_BYTES
from app.machines.octoprint import OctoPrint
from tests.machines.http_stand_in import Reply, Request, StandIn


class WebPage(StandIn):
    """Something that is not a printer: a router's web page, a huge reply, or fixed refusals."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply

    def answer(self, request: Request) -> Reply:
        return self.reply


@pytest.mark.parametrize(("reply", "error", "message"), [
    (Reply(200, b"<html>router login</html>", {"Content-Type": "text/html"}), WrongAddress, "is not OctoPrint"),
    (Reply(200, b"{" + b" " * (MAX_REPLY_BYTES + 10) + b"}"), WrongAddress, "unexpectedly large reply"),
    (Reply(404, b"<html>Not Found</html>"), WrongAddress, "check the address, port and connector kind"),
    (Reply(409, {"error": "Printer is not operational"}), PrinterBusy, "Printer is not operational"),
    (Reply(415, {"error": "Could not upload file, invalid type"}), FileRejected, "invalid type"),
])
def test_what_answers_decides_the_error(reply, error, message):
    with WebPage(reply) as server, pytest.raises(error, match=message):
        OctoPrint(server.url, "key").probe()
