"""Sign-in: local (the default), by password (accounts), by a trusted reverse proxy's header, or by OAuth.

Local: thread history needs a signed-in user, and Dastyar is a single-user app by default.

The page itself carries the sign-in: a browser without a valid session cookie gets one for the local user with
the HTML of the chat, so Chainlit's login page never shows. Header authentication is what makes Chainlit require
a user (and so keep threads); should a cookie expire while a page is open, Chainlit's login page calls
`/auth/header` by itself and goes straight back to the chat, no form. Chainlit signs its session cookie with
`CHAINLIT_AUTH_SECRET`; unless the environment sets one, a random secret is made once and kept in the data
directory (`.chainlit-auth-secret`, mode 0600), so sign-ins survive restarts.

Anyone who can reach the server's address is this user: keep `DASTYAR_HOST` on 127.0.0.1 (the default) unless the
network is trusted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import chainlit as cl

from assistant.config import get_settings

SECRET_ENV = "CHAINLIT_AUTH_SECRET"
SECRET_FILE = ".chainlit-auth-secret"
LOCAL_IDENTIFIER = "local"
LOCAL_DISPLAY_NAME = "کاربر"


def secret_path(data_dir: Path | None = None) -> Path:
    return (data_dir or get_settings().data_dir) / SECRET_FILE


def ensure_auth_secret(data_dir: Path | None = None) -> None:
    """Put the session-signing secret in the environment (made once, then read from the data directory)."""
    if os.environ.get(SECRET_ENV):
        return
    path = secret_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier (or just now by another process)
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    secret = path.read_text().strip()
    if not secret:  # an empty file from an interrupted first start
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
    os.environ[SECRET_ENV] = secret


def local_user() -> cl.User:
    return cl.User(identifier=LOCAL_IDENTIFIER, display_name=LOCAL_DISPLAY_NAME, metadata={"provider": "local"})


async def _local_sign_in(headers) -> cl.User | None:
    """The person at this machine; never a script on another origin (a page allowed to embed the widget must
    sign its visitors in with a widget token, not become the local admin)."""
    from urllib.parse import urlsplit

    origin = headers.get("origin")
    if origin and urlsplit(origin).netloc != headers.get("host"):
        return None
    return local_user()


_throttle = None


async def _password_sign_in(username: str, password: str) -> cl.User | None:
    """DASTYAR_AUTH=password: an account and its password (argon2, checked off the event loop); failed attempts on
    a name make it wait longer each time."""
    import asyncio

    from assistant.services.accounts import LoginThrottle, verify

    global _throttle
    if _throttle is None:
        _throttle = LoginThrottle()
    key = f"name:{str(username or '')[:64].lower()}"
    if _throttle.wait_seconds(key) > 0:
        return None
    account = await asyncio.to_thread(verify, username, password)
    if account is None:
        _throttle.failed(key)
        return None
    _throttle.succeeded(key)
    return cl.User(identifier=account.name, display_name=account.name,
                   metadata={"provider": "password", "role": account.role})


async def _refuse(headers) -> None:
    return None  # header mode: /auth/header is answered by header_sign_in, which can see the connection's address


async def header_sign_in(request):
    """DASTYAR_AUTH=header: a reverse proxy that signed the person in names them in DASTYAR_AUTH_HEADER. Believed
    only on a connection from DASTYAR_TRUSTED_PROXIES (its own address, not a forwarded one); anyone else gets 401."""
    import re

    from chainlit.server import _authenticate_user
    from starlette.responses import JSONResponse

    from assistant.persian import normalize
    from assistant.ui.security import from_trusted_proxy

    settings = get_settings()
    name = normalize(request.headers.get(settings.auth_header) or "").strip()
    if not from_trusted_proxy(request.scope) or not re.fullmatch(r"[\w.@\-]{1,64}", name):
        return JSONResponse({"detail": "credentialssignin"}, status_code=401)
    admins = {a.strip() for a in settings.admins.split(",") if a.strip()}
    user = cl.User(identifier=name, display_name=name,
                   metadata={"provider": "header", "role": "admin" if name in admins else "user"})
    return await _authenticate_user(request, user)


async def _oauth_sign_in(provider_id: str, token: str, raw_user_data: dict, default_user: cl.User) -> cl.User | None:
    """DASTYAR_AUTH=oauth: whoever one of Chainlit's providers vouches for; the provider's token is not kept."""
    import re

    from assistant.persian import normalize

    name = normalize(str(default_user.identifier or "")).strip()
    if not re.fullmatch(r"[\w.@\-]{1,64}", name):
        return None
    admins = {a.strip() for a in get_settings().admins.split(",") if a.strip()}
    return cl.User(identifier=name, display_name=default_user.display_name or name,
                   metadata={"provider": f"oauth:{provider_id}", "role": "admin" if name in admins else "user"})


def install_header_route() -> None:
    from starlette.routing import Route

    from assistant.ui.routes import put_first

    put_first(Route("/auth/header", header_sign_in, methods=["POST"], name="dastyar_header_sign_in"))


class PageSignIn:
    """ASGI middleware: an HTML page served to a browser without a valid session cookie sets one (local user)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        request = Request(scope)
        if _signed_in(request):
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    message = {**message, "headers": headers + _cookie_headers(request)}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _signed_in(request) -> bool:
    from chainlit.auth import decode_jwt
    from chainlit.auth.cookie import get_token_from_cookies

    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        return False
    try:
        decode_jwt(token)
    except Exception:  # expired, or signed with another secret
        return False
    return True


def _cookie_headers(request) -> list[tuple[bytes, bytes]]:
    from chainlit.auth import create_jwt, set_auth_cookie
    from starlette.responses import Response

    carrier = Response()
    set_auth_cookie(request, carrier, create_jwt(local_user()))
    return [(k, v) for k, v in carrier.raw_headers if k.lower() == b"set-cookie"]


def install_page_sign_in() -> None:
    from chainlit.server import app

    from assistant.ui.routes import add_middleware_once

    add_middleware_once(app, PageSignIn, "dastyar_page_sign_in")


def install() -> None:
    """The sign-in of the configured mode. Chainlit checks for the secret right after loading the app module, with
    `dastyar serve` or `chainlit run`; middleware can only be added before the server starts, i.e. now."""
    from chainlit.config import config

    ensure_auth_secret()
    settings = get_settings()
    if settings.auth == "password":
        cl.password_auth_callback(_password_sign_in)
        config.project.user_session_timeout = int(settings.session_hours * 3600)
        return
    if settings.auth == "oauth":
        cl.oauth_callback(_oauth_sign_in)
        config.project.user_session_timeout = int(settings.session_hours * 3600)
        return
    if settings.auth == "header":
        # Registered so that Chainlit's page signs in through /auth/header by itself; our route answers it.
        cl.header_auth_callback(_refuse)
        install_header_route()
        config.project.user_session_timeout = int(settings.session_hours * 3600)
        return
    cl.header_auth_callback(_local_sign_in)
    install_page_sign_in()


install()
