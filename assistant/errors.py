"""Errors the command line turns into one Persian line (exit 2) whatever the command: kept free of heavy imports,
so that catching them costs `dastyar route` nothing."""

from __future__ import annotations


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer Dastyar than this one: using it could lose what that version wrote."""

    def __init__(self, revision: str, head: str) -> None:
        from prompts import t

        self.user_message = t("errors.db_too_new", revision=revision, head=head)
        super().__init__(f"database schema revision {revision} is newer than this code's {head}")
