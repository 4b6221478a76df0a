"""Local sign-in: thread history needs a signed-in user, and Dastyar is a single-user app by default.

Header authentication signs every browser in as the local user without a form: Chainlit's login page calls
`/auth/header` by itself and goes straight back to the chat. Chainlit signs its session cookie with
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


@cl.header_auth_callback
async def _sign_in(headers) -> cl.User:
    return local_user()


# Chainlit checks for the secret right after loading the app module, with `dastyar serve` or `chainlit run`.
ensure_auth_secret()
