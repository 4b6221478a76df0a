"""Dastyar's own HTTP routes on Chainlit's app: placed before Chainlit's routes and its catch-all page (the first
match wins), once each (a module reloaded by `chainlit run -w` adds nothing twice)."""

from __future__ import annotations

from typing import Any


def put_first(route: Any) -> None:
    from chainlit.server import app

    if any(getattr(r, "name", "") == route.name for r in app.router.routes):
        return
    app.router.routes.insert(0, route)


def add_middleware_once(app: Any, middleware: Any, flag: str) -> None:
    """An ASGI middleware added to the app once (before the server takes its first request: added later, Starlette
    refuses, as when the app module is reloaded while serving with `chainlit run -w`; the first one stays)."""
    if getattr(app.state, flag, False):
        return
    try:
        app.add_middleware(middleware)
    except RuntimeError:
        return
    setattr(app.state, flag, True)
