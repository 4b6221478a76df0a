"""Who is asking: the signed-in person a message comes from, for ownership and admin-only actions.

A context variable, set by the chat for each message (and copied into the threads that serve it); the command
line and the local sign-in act as the local admin. Jobs and notifications are stamped with the name of whoever
made them; a person sees their own, an admin sees everyone's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Identity:
    name: str
    role: str = "user"  # admin | user | visitor (an anonymous visitor of a site that embeds the widget)
    tools: frozenset[str] | None = None  # the tools this person may use; None: all (within their role)
    uploads: Path | None = None  # this chat's upload folder (a person may name the files they sent)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_use(self, tool: str) -> bool:
        return self.tools is None or tool in self.tools


LOCAL = Identity("local", "admin")  # the person at this machine (DASTYAR_AUTH=local, the CLI)
_current: ContextVar[Identity] = ContextVar("dastyar_identity", default=LOCAL)


def current() -> Identity:
    return _current.get()


@contextmanager
def acting_as(who: Identity) -> Iterator[Identity]:
    token = _current.set(who)
    try:
        yield who
    finally:
        _current.reset(token)


def can_see(owner: str | None, who: Identity | None = None) -> bool:
    """A row is visible to its owner and to admins; rows from before owners existed (None) to admins only."""
    who = who or current()
    return who.is_admin or (owner is not None and owner == who.name)


def owner_filter(who: Identity | None = None) -> str | None:
    """The owner to filter lists by: None (everything) for an admin, else the person's name."""
    who = who or current()
    return None if who.is_admin else who.name
