"""`/health`: database and job runner, replacing Chainlit's shallow check of the same path; `/metrics` for Prometheus.

With sign-in by password, a caller without a session learns only up or down; an admin may ask for the app's routes
(`/health?routes=1`, read from the running app's router: the tests check each answers 401 without a session).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from assistant import __version__


def _session_user(request: Request) -> dict[str, Any] | None:
    from chainlit.auth import decode_jwt
    from chainlit.auth.cookie import get_token_from_cookies

    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        return None
    try:
        user = decode_jwt(token)
    except Exception:  # expired, or signed with another secret
        return None
    return {"identifier": user.identifier, "role": (user.metadata or {}).get("role")}


def app_routes() -> list[dict[str, Any]]:
    """Every HTTP route the running app serves (Chainlit's included router expanded), as path and methods."""
    from chainlit.server import app

    found: list[dict[str, Any]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(getattr(route, "original_router", None), "routes", None)
            if inner is not None:
                walk(inner)
            elif getattr(route, "methods", None):
                found.append({"path": route.path, "methods": sorted(route.methods)})
            elif getattr(route, "path", None):
                found.append({"path": route.path, "methods": ["MOUNT"]})

    walk(app.router.routes)
    return found


async def health_endpoint(request: Request) -> dict[str, Any]:
    import asyncio

    from assistant.config import get_settings

    report = await asyncio.to_thread(health_report)
    if get_settings().auth == "local":
        return report  # the person at this machine (loopback only)
    user = _session_user(request)
    if user is None:
        return {"status": report["status"]}
    if user["role"] == "admin" and request.query_params.get("routes"):
        report["routes"] = app_routes()
    return report


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text for a scraper with `Authorization: Bearer $DASTYAR_METRICS_TOKEN`, an admin's session, or the
    person at this machine (DASTYAR_AUTH=local listens on loopback only); never anyone else."""
    import asyncio
    import hmac

    from assistant import metrics
    from assistant.config import get_settings

    settings = get_settings()
    allowed = settings.auth == "local"
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    given = request.headers.get("authorization", "")
    if token and given.lower().startswith("bearer "):
        allowed = allowed or hmac.compare_digest(given[7:].strip().encode(), token.encode())
    if not allowed:
        user = _session_user(request)
        if user is None:
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if user["role"] != "admin":
            return Response(status_code=403)
    body, content_type = await asyncio.to_thread(metrics.exposition)
    return Response(body, media_type=content_type)


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
    # FastAPI's API docs are not part of the product: they only describe the surface to whoever asks.
    app.router.routes[:] = [r for r in app.router.routes
                            if getattr(r, "path", None) not in ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")]
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/health"]
    from assistant.ui.routes import put_first

    put_first(APIRoute("/health", health_endpoint, methods=["GET"], name="dastyar_health"))
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/metrics"]
    put_first(APIRoute("/metrics", metrics_endpoint, methods=["GET"], name="dastyar_metrics"))
