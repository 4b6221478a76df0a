"""Sharing a fine-tuned model: `/push N name` uploads it to the Hub, private by default, after a yes."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from assistant.persian import fa_digits, format_bytes
from assistant.services.training.errors import TrainingProblem
from prompts import t
from tools.registry import ToolArgs, ToolResult, tool
from tools.training import _column, _confirm, _name, _problem

_REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


def _visibility(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text in ("public", "عمومی", "پابلیک", "false", "no", "0"):
        return False
    if text in ("private", "خصوصی", "پرایوت", "true", "yes", "1"):
        return True
    raise ValueError(t("hub.push_bad_visibility"))


class PushArgs(ToolArgs):
    model: Annotated[str, BeforeValidator(_name)] = ""
    name: Annotated[str | None, BeforeValidator(_column)] = None
    private: Annotated[bool | None, BeforeValidator(_visibility)] = None
    confirmed: Annotated[bool, BeforeValidator(_confirm)] = False


@tool(
    "push_model",
    "Upload a fine-tuned model (by training job number) with its card, loss plot and evaluation to the Hub, "
    "private unless asked otherwise, as a resumable job after the person's yes. The training data and checkpoints "
    "stay on this machine.",
    PushArgs,
    model_may_call=True,
)
def push_model(model: str = "", name: str | None = None, private: bool | None = None,
               confirmed: bool = False) -> ToolResult:
    from assistant.jobs.runner import get_runner
    from assistant.services.hub.client import HubError, current_endpoint, current_token, validate_repo_id
    from assistant.services.hub.local import outputs_dir
    from assistant.services.hub.search import whoami
    from assistant.services.hub.upload import KIND, shared_files
    from assistant.services.training.inference import resolve_target
    from tools.jobs import job_dict

    if not model:
        return ToolResult(False, t("hub.push_missing_model"), {"error": "missing_model"})
    try:
        target = resolve_target(model)
    except TrainingProblem as exc:
        return _problem(exc)
    if target.path.resolve().parent != outputs_dir().resolve():
        return ToolResult(False, t("hub.push_not_finetuned", model=target.display), {"error": "not_finetuned"})
    token = current_token()
    if not token:
        return ToolResult(False, t("hub.push_needs_token"), {"error": "no_token"})
    wanted = (name or f"dastyar-{target.display}").strip().strip("«»\"'`")
    try:
        if "/" not in wanted:
            if not _REPO_NAME.fullmatch(wanted):
                raise HubError(t("hub.push_bad_name", name=wanted[:100]), "bad_name")
            wanted = f"{whoami(token)}/{wanted}"
        repo_id = validate_repo_id(wanted)
    except HubError as exc:
        return ToolResult(False, exc.user_message, {"error": exc.code})
    except ValueError:
        return ToolResult(False, t("hub.push_bad_name", name=wanted[:100]), {"error": "bad_name"})
    private = True if private is None else private
    visibility = t("hub.private") if private else t("hub.public")
    files = shared_files(target.path)
    size = sum(f.stat().st_size for f in files)
    args = {"model": model, "name": repo_id, "private": private, "confirmed": True}
    if not confirmed:
        text = t("hub.push_confirm", model=target.display, repo=repo_id, visibility=visibility,
                 endpoint=current_endpoint(), files=fa_digits(len(files)), size=format_bytes(size))
        return ToolResult(True, text, {"needs_confirmation": True, "repo_id": repo_id, "files": len(files)},
                          confirm={"tool": "push_model", "args": args})
    params = {"folder": str(target.path), "repo_id": repo_id, "private": private, "display": target.display}
    job = get_runner().submit(KIND, params, title=f"{target.display} → {repo_id}")
    return ToolResult(True, t("hub.push_started", id=job.id, cid=str(job.id), repo=repo_id),
                      {"job": job_dict(job), "repo_id": repo_id}, job_id=job.id)
