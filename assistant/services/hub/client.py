"""One way to reach the Hub: endpoint (mirror) and token read per call, errors turned into Persian messages."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Any

from assistant.config import get_settings
from assistant.services.hub.local import hf_home
from prompts import t

DEFAULT_ENDPOINT = "https://huggingface.co"
_ENDPOINT_KEY = "hub.endpoint"
# The Hub's own rule for repo names: letters, digits, '-', '_', '.'; no '--' or '..'; at most 96 characters each.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
_REPO_ID = re.compile(rf"^(?:{_NAME}/)?{_NAME}$")


def is_owner_repo(text: str) -> bool:
    """`owner/name` as the Hub spells repo ids (one rule for every service that must tell an id from a path)."""
    return "/" in text and bool(_REPO_ID.match(text)) and "--" not in text and ".." not in text


class HubError(Exception):
    """A Hub failure with a Persian message for the user; `code` says which kind for callers and tests."""

    def __init__(self, user_message: str, code: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.code = code


def validate_repo_id(repo_id: str) -> str:
    repo_id = (repo_id or "").strip().strip("`'\"«»")
    if repo_id.startswith(("https://huggingface.co/", "http://huggingface.co/", "hf.co/")):
        repo_id = repo_id.split("huggingface.co/", 1)[-1].split("hf.co/", 1)[-1]
        repo_id = repo_id.removeprefix("datasets/")
        repo_id = "/".join(repo_id.split("/")[:2])
    if not repo_id or len(repo_id) > 200 or not _REPO_ID.match(repo_id) or "--" in repo_id or ".." in repo_id:
        raise ValueError(t("hub.bad_repo_id", value=repo_id[:60]))
    return repo_id


def current_endpoint() -> str:
    """The mirror set from the chat wins over `HF_ENDPOINT`; read per call so a change applies to new work at once."""
    from assistant.db import get_setting

    return (get_setting(_ENDPOINT_KEY) or get_settings().hf_endpoint or DEFAULT_ENDPOINT).rstrip("/")


def home_endpoint() -> str:
    """Where the Hub token belongs: `HF_ENDPOINT` (Hugging Face itself by default), never a mirror set from the chat."""
    return (get_settings().hf_endpoint or DEFAULT_ENDPOINT).rstrip("/")


def token_for(endpoint: str) -> str | None:
    """The token, only for the endpoint it belongs to: switching to a mirror never ships it to a new host."""
    return current_token() if endpoint.rstrip("/") == home_endpoint() else None


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    import socket

    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []  # not resolvable from here: nothing can be reached there either
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_endpoint(url: str) -> str:
    """A mirror URL safe to send requests to: https (http only on this machine), no credentials in it, and not a
    link-local, private or reserved address unless DASTYAR_MIRROR_ALLOW_PRIVATE says so. ValueError in Persian."""
    from urllib.parse import urlsplit

    url = url.strip().rstrip("/")
    if not re.match(r"^https?://[A-Za-z0-9.\-\[\]:]+(/[\w.\-/]*)?$", url):
        raise ValueError(t("hub.bad_endpoint", value=url[:80]))
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number in range)
    except ValueError:
        raise ValueError(t("hub.bad_endpoint", value=url[:80])) from None
    addresses = _addresses(host)
    loopback = host == "localhost" or (bool(addresses) and all(a.is_loopback for a in addresses))
    if parts.scheme == "http" and not loopback:
        raise ValueError(t("hub.endpoint_not_https", value=url[:80]))
    inner = [a for a in addresses if not a.is_loopback and (a.is_private or a.is_link_local or a.is_reserved
                                                             or a.is_multicast or a.is_unspecified)]
    if inner and not get_settings().mirror_allow_private:
        raise ValueError(t("hub.endpoint_private", value=url[:80]))
    return url


def set_endpoint(url: str | None) -> str:
    """Set (or, with an empty value, clear) the mirror; returns the endpoint now in use."""
    from assistant.db import set_setting

    url = check_endpoint(url) if (url or "").strip() else ""
    set_setting(_ENDPOINT_KEY, url)
    apply_xet_policy()
    return current_endpoint()


def apply_xet_policy() -> None:
    """With a mirror, Xet would fetch from Hugging Face's own storage and bypass it: turn Xet off."""
    if current_endpoint() != DEFAULT_ENDPOINT:
        os.environ["HF_HUB_DISABLE_XET"] = "1"
        try:
            from huggingface_hub import constants

            constants.HF_HUB_DISABLE_XET = True
        except ImportError:
            pass


def token_path() -> Path:
    return hf_home() / "token"


def current_token() -> str | None:
    settings = get_settings()
    if settings.hf_token:
        return settings.hf_token.get_secret_value()
    path = token_path()
    if path.is_file():
        return path.read_text().strip() or None
    return None


def save_token(token: str) -> None:
    """Stored where huggingface_hub and transformers look for it (HF_HOME/token), readable by the owner only."""
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # A new file made 0600 from its first byte, then moved over the old one: a token file that existed with wider
    # permissions does not keep them, and a crash never leaves half a token.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is narrowed by the umask, never widened; an old tmp keeps its own
        with os.fdopen(fd, "w") as fh:
            fh.write(token.strip())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def api():
    from huggingface_hub import HfApi

    apply_xet_policy()
    endpoint = current_endpoint()
    return HfApi(endpoint=endpoint, token=token_for(endpoint) or False, library_name="dastyar")


def auth_headers() -> dict[str, str]:
    token = token_for(current_endpoint())
    headers = {"user-agent": "dastyar/0.1"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return headers


def translate_error(exc: BaseException, repo_id: str = "", revision: str | None = None) -> HubError:
    """Map a huggingface_hub / httpx failure to a Persian message (never the exception text, which may hold URLs)."""
    import httpx
    from huggingface_hub import errors

    if isinstance(exc, HubError):
        return exc
    if isinstance(exc, errors.GatedRepoError):
        return HubError(t("hub.gated", repo=repo_id), "gated")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return HubError(t("hub.repo_not_found", repo=repo_id), "not_found")
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubError(t("hub.revision_not_found", repo=repo_id, revision=revision or "main"), "revision_not_found")
    if isinstance(exc, errors.EntryNotFoundError):
        return HubError(t("hub.entry_not_found", repo=repo_id), "entry_not_found")
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return HubError(t("hub.offline_mode"), "unreachable")
    if isinstance(exc, errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 401:
            return HubError(t("hub.unauthorized", repo=repo_id), "unauthorized")
        if status == 429:
            return HubError(t("hub.rate_limited"), "rate_limited")
        if status and status >= 500:
            return HubError(t("hub.server_error", endpoint=current_endpoint()), "unreachable")
        return HubError(t("hub.http_error", status=str(status or "?")), "http_error")
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        if status in (401, 403):
            return HubError(t("hub.unauthorized", repo=repo_id), "unauthorized")
        if status == 404:
            return HubError(t("hub.repo_not_found", repo=repo_id), "not_found")
        return HubError(t("hub.http_error", status=str(status)), "http_error")
    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError):
        return HubError(t("hub.unreachable", endpoint=current_endpoint()), "unreachable")
    return HubError(t("hub.unexpected"), "unexpected")


def call_hub(func, *args: Any, context: tuple[str, str | None] = ("", None), **kwargs: Any) -> Any:
    """Call huggingface_hub; `context` (repo id, revision) names the repo in a failure's message."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        raise translate_error(exc, *context) from exc
