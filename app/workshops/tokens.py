"""The member's or staff's tokens for workshop servers, one per server address, kept in the config folder with
file mode 600 and never printed whole."""

from __future__ import annotations

import json
import os
import tempfile

from app.machines.registry import config_dir
from app.workshops.errors import WorkshopError

TOKENS_FILE = "workshop-tokens.json"


def save_token(address: str, token: str) -> None:
    tokens = _read()
    tokens[address.rstrip("/")] = token
    path = config_dir() / TOKENS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".partial") as tmp:
        os.chmod(tmp.name, 0o600)
        json.dump(tokens, tmp, indent=2, sort_keys=True)
    os.replace(tmp.name, path)


def token_for(address: str) -> str:
    token = _read().get(address.rstrip("/"))
    if not token:
        raise WorkshopError(f"not logged in to {address}: run `localfab workshop login {address} NAME` first")
    return token


def _read() -> dict[str, str]:
    path = config_dir() / TOKENS_FILE
    if not path.is_file():
        return {}
    try:
        tokens = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorkshopError(f"{path} is damaged ({exc}); delete it and log in again") from exc
    return tokens if isinstance(tokens, dict) else {}
