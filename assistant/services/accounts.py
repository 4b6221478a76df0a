"""People who sign in with a password (DASTYAR_AUTH=password): accounts, argon2 hashes, roles, throttled attempts.

The first account made is an admin. Errors carry a Persian message (`AccountError.user_message`) and a `code`.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from assistant.db import session_scope
from assistant.models import Account
from assistant.persian import normalize
from prompts import t

ROLES = ("admin", "user")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 would hash any length: a megabyte "password" is only a way to burn CPU
# Letters of any script, digits, and . _ - @ (an e-mail address works as a name).
_NAME = re.compile(r"^[\w.@\-]{1,64}$")


class AccountError(ValueError):
    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.user_message = t(f"accounts.{code}", **values)
        super().__init__(code)


@dataclass(frozen=True)
class AccountView:
    """An account as callers see it: never the hash."""

    id: int
    name: str
    role: str
    disabled: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _view(row: Account) -> AccountView:
    assert row.id is not None
    return AccountView(row.id, row.name, row.role, row.disabled)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's current recommended parameters


def clean_name(name: str) -> str:
    text = normalize(str(name or "")).strip()
    if not _NAME.match(text):
        raise AccountError("bad_name", value=text[:40])
    return text


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError("weak_password", limit=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise AccountError("long_password", limit=MAX_PASSWORD)
    return password


def add_account(name: str, password: str, *, admin: bool = False) -> AccountView:
    """A new account; the very first one is an admin whatever `admin` says."""
    name = clean_name(name)
    row = Account(name=name, password_hash=_hasher().hash(_check_password(password)), role="admin" if admin else "user")
    with session_scope() as s:
        if s.exec(select(func.count()).select_from(Account)).one() == 0:
            row.role = "admin"
        s.add(row)
        try:
            s.commit()
        except IntegrityError:
            raise AccountError("name_taken", name=name) from None
        s.refresh(row)
    return _view(row)


def list_accounts() -> list[AccountView]:
    with session_scope() as s:
        return [_view(r) for r in s.exec(select(Account).order_by(col(Account.id)))]


def get_account(name: str) -> AccountView | None:
    with session_scope() as s:
        row = s.exec(select(Account).where(Account.name == normalize(name).strip())).first()
        return _view(row) if row else None


def set_password(name: str, password: str) -> None:
    with session_scope() as s:
        row = s.exec(select(Account).where(Account.name == clean_name(name))).first()
        if row is None:
            raise AccountError("not_found", name=name[:40])
        row.password_hash = _hasher().hash(_check_password(password))
        s.add(row)
        s.commit()


def remove_account(name: str) -> None:
    """Remove an account; the last admin stays (someone must be able to manage the server)."""
    with session_scope() as s:
        row = s.exec(select(Account).where(Account.name == clean_name(name))).first()
        if row is None:
            raise AccountError("not_found", name=name[:40])
        admins = s.exec(select(func.count()).select_from(Account).where(Account.role == "admin")).one()
        if row.role == "admin" and admins <= 1:
            raise AccountError("last_admin")
        s.delete(row)
        s.commit()


_DUMMY_HASH: str | None = None


def verify(name: str, password: str) -> AccountView | None:
    """The account if the password is right; None otherwise. A missing name costs the same hash as a wrong
    password, so timing does not tell which names exist."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    hasher = _hasher()
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash("dastyar-no-such-account")
    with session_scope() as s:
        row = s.exec(select(Account).where(Account.name == normalize(str(name or "")).strip())).first()
    try:
        hasher.verify(row.password_hash if row else _DUMMY_HASH, str(password or "")[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    return _view(row)


class LoginThrottle:
    """Failed sign-ins per name and per address: after `limit` failures in a row, wait `base` seconds, doubling with
    each further failure (up to an hour). A success clears the name's count. In memory: one server's view."""

    def __init__(self, limit: int = 5, base: float = 30.0, clock=time.monotonic) -> None:
        self.limit, self.base, self.clock = limit, base, clock
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, *keys: str) -> float:
        """How long these keys must still wait before another attempt (0: may try now)."""
        now = self.clock()
        with self._lock:
            waits = []
            for key in keys:
                count, last = self._failures.get(key, (0, 0.0))
                if count >= self.limit:
                    waits.append(last + min(3600.0, self.base * 2 ** (count - self.limit)) - now)
            return max([0.0, *waits])

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                count, _ = self._failures.get(key, (0, 0.0))
                self._failures[key] = (count + 1, now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
