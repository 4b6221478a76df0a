"""`/health`: database and job runner, replacing Chainlit's shallow check of the same path."""

from __future__ import annotations

from typing import Any

from assistant import __version__


def health_report() -> dict[str, Any]:
    from sqlalchemy import text

    from assistant.db import get_engine
    from assistant.jobs import runner

    report: dict[str, Any] = {"status": "ok", "version": __version__}
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception:
        report["database"] = "error"
        report["status"] = "degraded"
    active = runner.runner_active()
    report["jobs_runner"] = "running" if active else "stopped"
    if not active:
        report["status"] = "degraded"
    from assistant import events

    report["event_listeners"] = events.get_feed().subscriber_count
    return report


def install_health_route() -> None:
    from chainlit.server import app
    from fastapi.routing import APIRoute

    if any(getattr(r, "name", "") == "dastyar_health" for r in app.router.routes):
        return
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/health"]
    route = APIRoute("/health", health_report, methods=["GET"], name="dastyar_health")
    # Before Chainlit's catch-all UI route, which would otherwise answer with the page.
    app.router.routes.insert(0, route)
