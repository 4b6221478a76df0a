"""`python -m assistant.migrations <alembic command>` on the configured database (DATABASE_URL or the SQLite file)."""

from __future__ import annotations

import sys

from alembic.config import CommandLine

from assistant.config import get_settings
from assistant.migrations import config


def main(argv: list[str] | None = None) -> None:
    cli = CommandLine(prog="python -m assistant.migrations")
    options = cli.parser.parse_args(argv if argv is not None else sys.argv[1:])
    if not hasattr(options, "cmd"):
        cli.parser.error("too few arguments")
    cli.run_cmd(config(get_settings().db_url), options)


if __name__ == "__main__":
    main()
