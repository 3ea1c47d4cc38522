"""Accounts and bearer tokens: passwords kept as argon2id hashes, tokens as their SHA-256, two roles."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.workshops.errors import WorkshopError
from app.workshops.server.db import now
from app.workshops.server.models import Account, Token

ROLES = ("member", "staff")
MIN_PASSWORD = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_hasher = PasswordHasher()


def create_account(session: Session, name: str, password: str, role: str) -> Account:
    if not _NAME.fullmatch(name):
        raise WorkshopError(f"{name!r} is not an account name: use letters, digits, and . _ @ - (at most 64)")
    if role not in ROLES:
        raise WorkshopError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise WorkshopError(f"the password must have at least {MIN_PASSWORD} characters")
    account = Account(name=name, password_hash=_hasher.hash(password), role=role, created=now())
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise WorkshopError(f"an account called {name!r} exists already") from exc
    return account


def log_in(session: Session, name: str, password: str) -> tuple[str, Account] | None:
    """A new token for the account, or None when the name or password is wrong (the caller cannot tell which)."""
    account = session.scalar(select(Account).where(Account.name == name))
    try:
        if account is None:
            _hasher.hash(password)  # the same work either way: timing does not tell which names exist
            return None
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    token = secrets.token_urlsafe(32)
    session.add(Token(token_sha256=_digest(token), account_id=account.id, created=now()))
    return token, account


def account_for_token(session: Session, token: str) -> Account | None:
    row = session.get(Token, _digest(token))
    return session.get(Account, row.account_id) if row else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
