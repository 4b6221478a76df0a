"""Hub tools: search, info, download, installed, token, mirror, offline catalog."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from assistant.config import get_settings
from assistant.identity import current as current_identity
from assistant.jobs import store
from assistant.jobs.runner import get_runner
from assistant.models import JobStatus
from assistant.persian import format_bytes, format_number, jalali_date, normalize, parse_int
from assistant.services.hub import client as hub_client
from assistant.services.hub.catalog import catalog, catalog_entry
from assistant.services.hub.download import KIND as DOWNLOAD
from assistant.services.hub.installed import list_installed as installed_items
from assistant.services.hub.search import RepoSummary, repo_details, search, whoami
from prompts import has, t
from tools.registry import ToolArgs, ToolResult, tool


def _repo_id(value: Any) -> str:
    return hub_client.validate_repo_id(str(value or ""))


def _repo_type(value: Any) -> str:
    text = normalize(str(value or "model")).lower()
    if text in ("model", "models", "مدل", ""):
        return "model"
    if text in ("dataset", "datasets", "data", "دیتاست", "داده", "دادگان"):
        return "dataset"
    raise ValueError(t("hub.bad_repo_type"))


def _revision(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,99}", text) or ".." in text:
        raise ValueError(t("hub.bad_revision", value=text[:40]))
    return text


def _task(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    if not re.fullmatch(r"[a-z0-9\-]{2,60}", text):
        raise ValueError(t("hub.bad_task", value=str(value)[:40]))
    return text


def _language(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = normalize(str(value)).lower()
    if text in ("fa", "فارسی", "پارسی", "persian", "farsi", "fas"):
        return "fa"
    if not re.fullmatch(r"[a-z]{2,3}", text):
        raise ValueError(t("hub.bad_language", value=str(value)[:20]))
    return text


def _limit(value: Any) -> int:
    number = parse_int(value)
    if number is None or not 1 <= number <= 50:
        raise ValueError(t("hub.bad_limit"))
    return number


RepoId = Annotated[str, BeforeValidator(_repo_id)]
RepoType = Annotated[str, BeforeValidator(_repo_type)]
Revision = Annotated[str | None, BeforeValidator(_revision)]
Task = Annotated[str | None, BeforeValidator(_task)]
Language = Annotated[str | None, BeforeValidator(_language)]
Limit = Annotated[int, BeforeValidator(_limit)]


def task_label(task: str | None) -> str:
    if not task:
        return t("hub.task_unknown")
    key = f"tasks.{task}"
    return t(key) if has(key) else task


def _cell(text: str) -> str:
    return str(text).replace("|", "¦").replace("\n", " ")


def results_table(results: list[RepoSummary | dict], *, catalog_view: bool = False) -> str:
    """Search results as a Markdown table (reads well right-to-left; ids stay LTR in code spans)."""
    if catalog_view:
        lines = [t("hub.table_catalog_head"), "| --- | --- | --- | --- | --- |"]
    else:
        lines = [t("hub.table_head"), "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for i, r in enumerate(results, 1):
        d = r.to_dict() if isinstance(r, RepoSummary) else r
        name = f"`{d['id']}`" + (" 🔒" if d.get("gated") else "")
        size = format_bytes(d["size"]) if d.get("size") else "—"
        if catalog_view:
            cells = [format_number(i), name, task_label(d.get("task")), size, d.get("description", "")]
        else:
            modified = r.last_modified if isinstance(r, RepoSummary) else None
            cells = [
                format_number(i),
                name,
                "✓" if d.get("persian") else "—",
                task_label(d.get("task")),
                format_number(d["downloads"]) if d.get("downloads") is not None else "—",
                format_number(d["likes"]) if d.get("likes") is not None else "—",
                size,
                jalali_date(modified) if modified else "—",
            ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


class SearchArgs(ToolArgs):
    query: str = Field(default="", max_length=200)
    task: Task = None
    language: Language = None
    limit: Limit = 10


def _search(repo_type: str, query: str, task: str | None, language: str | None, limit: int) -> ToolResult:
    query = query.strip()
    try:
        results = search(repo_type, query, task, language, limit)
    except hub_client.HubError as exc:
        if exc.code != "unreachable":
            return ToolResult(False, exc.user_message, {"error": exc.code})
        offline = catalog(repo_type, task, query)
        # a heading over nothing reads as a broken list: with no match, one sentence says so
        lines = [exc.user_message, "", t("hub.catalog_header"), "", results_table(offline, catalog_view=True)] if offline \
            else [exc.user_message, "", t("hub.catalog_empty")]
        return ToolResult(False, "\n".join(lines), {"error": "unreachable", "results": offline, "source": "catalog"})
    key = "hub.search_header_dataset" if repo_type == "dataset" else "hub.search_header_model"
    if not results:
        return ToolResult(True, t("hub.search_none"), {"results": [], "source": "hub"})
    what = [t("hub.search_for", query=query)] if query else []
    if task:
        what.append(t("hub.search_task", task=task_label(task)))
    header = t(key, count=len(results), what=("، ".join(what) + " ") if what else "")
    lines = [header, "", results_table(results), "", t("hub.search_hint")]
    return ToolResult(True, "\n".join(lines), {"results": [r.to_dict() for r in results], "source": "hub"})


@tool("search_models", "Search the Hugging Face Hub for models (Persian first). task is a pipeline tag.", SearchArgs)
def search_models(query: str = "", task: str | None = None, language: str | None = None, limit: int = 10) -> ToolResult:
    return _search("model", query, task, language, limit)


@tool("search_datasets", "Search the Hugging Face Hub for datasets (Persian first).", SearchArgs)
def search_datasets(query: str = "", task: str | None = None, language: str | None = None, limit: int = 10) -> ToolResult:
    return _search("dataset", query, task, language, limit)


class CatalogArgs(ToolArgs):
    task: Task = None


@tool("catalog", "Show the curated offline catalog of Persian models and datasets.", CatalogArgs)
def show_catalog(task: str | None = None) -> ToolResult:
    models, datasets = catalog("model", task), catalog("dataset", task)
    lines: list[str] = []
    for header, found in (("hub.catalog_models", models), ("hub.catalog_datasets", datasets)):
        if found:  # a task the catalog has no datasets (or models) for shows no empty table
            lines += ["", t(header), "", results_table(found, catalog_view=True)]
    if not lines:
        lines = [t("hub.catalog_none")]
    return ToolResult(True, "\n".join(lines).strip(), {"results": models + datasets, "source": "catalog"})


class InfoArgs(ToolArgs):
    repo_id: RepoId
    repo_type: RepoType = "model"


@tool("model_info", "Show a model's or dataset's files, total size, license, task, languages and card summary.", InfoArgs)
def model_info(repo_id: str, repo_type: str = "model") -> ToolResult:
    try:
        details = repo_details(repo_id, repo_type)
    except hub_client.HubError as exc:
        entry = catalog_entry(repo_id) if exc.code == "unreachable" else None
        text = exc.user_message
        if entry:
            text += "\n\n" + t("hub.catalog_header") + "\n\n" + results_table([entry], catalog_view=True)
        return ToolResult(False, text, {"error": exc.code, "catalog": entry})
    s = details.summary
    lines = [
        t("hub.info_header", repo=s.id, kind=t("hub.kind_" + repo_type)),
        t("hub.info_task", task=task_label(s.task)),
        t("hub.info_size", size=format_bytes(details.total_size), files=len(details.files)),
        t("hub.info_license", license=s.license or t("hub.unknown")),
        t("hub.info_languages", languages="، ".join(details.languages) or t("hub.unknown")),
    ]
    if s.downloads is not None:
        lines.append(t("hub.info_popularity", downloads=format_number(s.downloads), likes=format_number(s.likes or 0)))
    if s.last_modified:
        lines.append(t("hub.info_updated", date=jalali_date(s.last_modified)))
    if s.gated:
        lines.append(t("hub.info_gated"))
    lines.append(t("hub.info_files"))
    for name, size in details.files[:12]:
        lines.append(f"  - `{name}` ({format_bytes(size)})")
    if len(details.files) > 12:
        lines.append(t("hub.info_more_files", count=len(details.files) - 12))
    if details.card_summary:
        lines += ["", t("hub.info_card"), f"> {details.card_summary}"]
    lines += ["", t("hub.info_download_hint", repo=s.id, flag=" dataset" if repo_type == "dataset" else "")]
    data = {"repo": s.to_dict(), "files": details.files, "commit": details.commit, "languages": details.languages,
            "card_summary": details.card_summary, "total_size": details.total_size}
    return ToolResult(True, "\n".join(lines), data)


class DownloadArgs(ToolArgs):
    repo_id: RepoId
    repo_type: RepoType = "model"
    revision: Revision = None
    confirmed: bool = False


def _active_download(repo_id: str, repo_type: str, revision: str | None):
    for job in store.list_jobs(DOWNLOAD, [JobStatus.queued, JobStatus.running], limit=200):
        p = job.params
        if p.get("repo_id") == repo_id and p.get("repo_type", "model") == repo_type and p.get("revision") == revision:
            return job
    return None


@tool("download", "Download a model or dataset into the standard HF cache as a background job (resumable).", DownloadArgs)
def download(repo_id: str, repo_type: str = "model", revision: str | None = None, confirmed: bool = False) -> ToolResult:
    running = _active_download(repo_id, repo_type, revision)
    if running is not None:
        return ToolResult(True, t("hub.download_attached", id=running.id, repo=repo_id), {"job_id": running.id,
                          "attached": True}, job_id=running.id)
    # Check before creating anything: a wrong id, revision or token is answered now, with no job left behind.
    try:
        from assistant.services.hub.download import make_plan

        plan = make_plan(repo_id, repo_type, revision)
    except hub_client.HubError as exc:
        return ToolResult(False, exc.user_message, {"error": exc.code})
    limit = get_settings().confirm_download_bytes
    if plan.total > limit and not confirmed:
        text = t("hub.download_confirm", repo=repo_id, size=format_bytes(plan.total), files=len(plan.files))
        args = {"repo_id": repo_id, "repo_type": repo_type, "revision": revision, "confirmed": True}
        return ToolResult(True, text, {"needs_confirmation": True, "size": plan.total},
                          confirm={"tool": "download", "args": args})
    job = get_runner().submit(
        DOWNLOAD, {"repo_id": repo_id, "repo_type": repo_type, "revision": revision}, title=repo_id
    )
    text = t("hub.download_started", id=job.id, cid=str(job.id), repo=repo_id, size=format_bytes(plan.total),
             files=len(plan.files))
    return ToolResult(True, text, {"job_id": job.id, "size": plan.total}, job_id=job.id)


@tool("list_installed", "List models, datasets and fine-tuned models on disk, with size and last use, and speech engines.")
def list_installed() -> ToolResult:
    from assistant.services.speech import speech_status
    from tools.speech import speech_status_lines

    items = installed_items()
    speech = speech_status()
    lines = [t("hub.installed_header", count=len(items))] if items else [t("hub.installed_none")]
    for item in items:
        line = f"- `{item.name}` — {t('hub.kind_' + item.kind)} — {format_bytes(item.size)} — " + t(
            "hub.installed_files", files=item.files
        )
        if item.last_used:
            line += " — " + t("hub.installed_used", date=jalali_date(item.last_used))
        if not item.complete:
            line += " — " + t("hub.installed_partial", size=format_bytes(item.partial_bytes))
        lines.append(line)
    lines += ["", t("hub.installed_speech"), *(f"- {line}" for line in speech_status_lines(speech, try_model=True))]
    data = {
        "items": [{**item.__dict__, "last_used": item.last_used.isoformat() if item.last_used else None} for item in items],
        "speech": speech,
    }
    return ToolResult(True, "\n".join(lines), data)


def _token(value: Any) -> str:
    text = str(value or "").strip()
    if re.fullmatch(r"hf_[A-Za-z0-9_]{201,}", text):
        raise ValueError(t("hub.token_too_long"))
    if not re.fullmatch(r"hf_[A-Za-z0-9_]{8,200}", text):
        raise ValueError(t("hub.bad_token"))
    return text


class TokenArgs(ToolArgs):
    token: Annotated[str, BeforeValidator(_token)]


@tool("set_hf_token", "Store the user's Hugging Face token (validated when the Hub is reachable; never shown).", TokenArgs,
      model_may_call=False)
def set_hf_token(token: str) -> ToolResult:
    if not current_identity().is_admin:  # the Hub token is the server's, not one person's
        return ToolResult(False, t("errors.admin_only"), {"error": "admin_only"})
    try:
        user = whoami(token)
    except hub_client.HubError as exc:
        if exc.code == "unreachable":
            hub_client.save_token(token)
            return ToolResult(True, t("hub.token_saved_unverified"), {"verified": False})
        return ToolResult(False, t("hub.token_rejected"), {"error": exc.code})
    hub_client.save_token(token)
    return ToolResult(True, t("hub.token_saved", user=user), {"verified": True, "user": user})


class EndpointArgs(ToolArgs):
    url: str = ""


@tool("set_hub_endpoint", "Use a Hub mirror (e.g. https://hf-mirror.com) for new work; 'off' returns to HF_ENDPOINT.",
      EndpointArgs, model_may_call=False)
def set_hub_endpoint(url: str = "") -> ToolResult:
    value = url.strip()
    home = hub_client.home_endpoint()
    if value and not current_identity().is_admin:  # anyone may see the setting; only an admin changes it
        return ToolResult(False, t("errors.admin_only"), {"error": "admin_only"})
    if not value:  # a bare `/mirror` shows the setting; it never clears it
        endpoint = hub_client.current_endpoint()
        key = "hub.endpoint_none" if endpoint == home else "hub.endpoint_current"
        return ToolResult(True, t(key, endpoint=endpoint, home=home), {"endpoint": endpoint, "home": home})
    if value.lower() in ("off", "reset", "default", "none", "خاموش", "پیش‌فرض", "حذف"):
        value = ""
    try:
        endpoint = hub_client.set_endpoint(value)
    except ValueError as exc:
        return ToolResult(False, str(exc), {"error": "bad_endpoint"})
    text = t("hub.endpoint_set", endpoint=endpoint)
    if endpoint != home:
        text += "\n\n" + t("hub.endpoint_token_note", home=home)
    return ToolResult(True, text, {"endpoint": endpoint, "home": home})
