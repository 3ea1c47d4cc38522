"""Logging in to a workshop server from the workshop windows: the form (server address, account name, masked
password) and the session it yields. The log-in itself runs off the UI thread; the token is kept with mode 600
(app.workshops.tokens), never shown."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from app.workshops.client import WorkshopClient
from app.workshops.tokens import save_token

ERROR_STYLE = "color: #b3261e;"


@dataclass(frozen=True)
class WorkshopSession:
    """Who is logged in where. Each piece of background work makes its own client from it, because a
    requests session must not be shared between threads."""

    address: str
    token: str
    name: str
    role: str

    def client(self) -> WorkshopClient:
        return WorkshopClient(self.address, self.token)


def log_in(address: str, name: str, password: str) -> WorkshopSession:
    """Log in (blocking: run it off the UI thread) and keep the token for the command line too."""
    client = WorkshopClient(address)
    answer = client.log_in(name, password)
    save_token(client.address, client.token)
    return WorkshopSession(client.address, client.token, answer["name"], answer["role"])


class LoginForm(QWidget):
    """Server address, account name and password, as a form."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.address = QLineEdit()
        self.address.setPlaceholderText("http://lab.example.org:8765")
        self.name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Ser&ver", self.address)
        form.addRow("Acco&unt", self.name)
        form.addRow("Pass&word", self.password)

    def filled_in(self) -> tuple[str, str, str] | None:
        """(address, name, password), or None while one of them is empty."""
        values = (self.address.text().strip(), self.name.text().strip(), self.password.text())
        return values if all(values) else None


def tell(label: QLabel, text: str, *, error: bool = False) -> None:
    """Put a message for the person in `label`, in the error colour when something went wrong."""
    label.setText(text)
    label.setStyleSheet(ERROR_STYLE if error else "")
