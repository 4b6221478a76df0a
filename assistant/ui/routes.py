"""Dastyar's own HTTP routes on Chainlit's app: placed before Chainlit's routes and its catch-all page (the first
match wins), once each (a module reloaded by `chainlit run -w` adds nothing twice)."""

from __future__ import annotations

from typing import Any


def put_first(route: Any) -> None:
    from chainlit.server import app

    if any(getattr(r, "name", "") == route.name for r in app.router.routes):
        return
    app.router.routes.insert(0, route)
