"""Search and repo info on the Hub, Persian repos first."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from assistant.services.hub.client import HubError, api, auth_headers, call_hub, current_endpoint, home_endpoint

PERSIAN_TAGS = {"fa", "language:fa", "fas", "per", "persian", "farsi"}


@dataclass
class RepoSummary:
    id: str
    repo_type: str
    task: str | None = None
    downloads: int | None = None
    likes: int | None = None
    last_modified: datetime | None = None
    size: int | None = None
    persian: bool = False
    license: str | None = None
    gated: bool = False
    description: str | None = None
    source: str = "hub"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_modified"] = self.last_modified.isoformat() if self.last_modified else None
        return data


def _summary(info: Any, repo_type: str, task: str | None, tags: list[str], **more: Any) -> RepoSummary:
    """A summary from what the Hub said about a repo (a search result or a repo_info)."""
    return RepoSummary(
        id=info.id, repo_type=repo_type, task=task, downloads=getattr(info, "downloads", None),
        likes=getattr(info, "likes", None), last_modified=getattr(info, "last_modified", None),
        persian=_is_persian(info.id, tags), gated=bool(getattr(info, "gated", False)), **more,
    )


def _is_persian(repo_id: str, tags: list[str] | None) -> bool:
    lowered = {t.lower() for t in tags or []}
    return bool(lowered & PERSIAN_TAGS) or bool(re.search(r"(^|[-_/])(fa|persian|farsi|parsi)([-_/]|$)", repo_id.lower()))


def _license(tags: list[str] | None, card: Any = None) -> str | None:
    for tag in tags or []:
        if tag.startswith("license:"):
            return tag.split(":", 1)[1]
    if card is not None:
        value = card.get("license") if hasattr(card, "get") else None
        if value:
            return str(value)
    return None


def search(repo_type: str, query: str = "", task: str | None = None, language: str | None = None, limit: int = 10) -> list[RepoSummary]:
    client = api()
    fetch = min(max(limit * 3, 20), 100)
    if repo_type == "dataset":
        kwargs: dict[str, Any] = {"search": query or None, "sort": "downloads", "limit": fetch}
        if task:
            kwargs["task_categories"] = task
        if language:
            kwargs["language"] = language
        items = call_hub(lambda: list(client.list_datasets(**kwargs)))
    else:
        kwargs = {
            "search": query or None,
            "pipeline_tag": task or None,
            "filter": language or None,
            "sort": "downloads",
            "limit": fetch,
            "expand": ["downloads", "likes", "pipeline_tag", "tags", "lastModified", "usedStorage", "gated"],
        }
        items = call_hub(lambda: list(client.list_models(**kwargs)))
    results = []
    for item in items:
        tags = list(getattr(item, "tags", None) or [])
        task_tag = getattr(item, "pipeline_tag", None)
        if repo_type == "dataset" and not task_tag:
            task_tag = next((t.split(":", 1)[1] for t in tags if t.startswith("task_categories:")), None)
        results.append(_summary(item, repo_type, task_tag, tags, license=_license(tags),
                                size=getattr(item, "used_storage", None)))
    # Persian first, then by downloads (the Hub's order) — a stable sort keeps the Hub's ranking within each group.
    results.sort(key=lambda r: not r.persian)
    return results[:limit]


@dataclass
class RepoDetails:
    summary: RepoSummary
    commit: str
    files: list[tuple[str, int | None]] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    card_summary: str = ""

    @property
    def total_size(self) -> int:
        return sum(size or 0 for _, size in self.files)


def repo_details(repo_id: str, repo_type: str = "model") -> RepoDetails:
    info = call_hub(api().repo_info, repo_id, repo_type=repo_type, files_metadata=True, context=(repo_id, None))
    card = getattr(info, "card_data", None) or getattr(info, "cardData", None)
    tags = list(getattr(info, "tags", None) or [])
    languages = []
    if card is not None and hasattr(card, "get"):
        lang = card.get("language")
        languages = [lang] if isinstance(lang, str) else list(lang or [])
    if not languages:
        languages = [t.split(":", 1)[1] for t in tags if t.startswith("language:")]
    task = getattr(info, "pipeline_tag", None)
    if not task and card is not None and hasattr(card, "get"):
        cats = card.get("task_categories") or []
        task = cats[0] if isinstance(cats, list) and cats else None
    summary = _summary(info, repo_type, task, tags + [f"language:{x}" for x in languages], license=_license(tags, card))
    files = sorted(((s.rfilename, s.size) for s in info.siblings or []), key=lambda f: -(f[1] or 0))
    summary.size = sum(size or 0 for _, size in files)
    details = RepoDetails(summary=summary, commit=info.sha, files=files, languages=languages)
    if any(name == "README.md" for name, _ in files):
        details.card_summary = _card_summary(repo_id, repo_type, info.sha)
    return details


def _card_summary(repo_id: str, repo_type: str, commit: str, limit: int = 400) -> str:
    """The first paragraph of the model card's prose (front matter, headings, badges and tables skipped)."""
    import httpx

    prefix = "datasets/" if repo_type == "dataset" else ""
    try:
        resp = httpx.get(f"{current_endpoint()}/{prefix}{repo_id}/resolve/{commit}/README.md", headers=auth_headers(),
                         timeout=10, follow_redirects=True)
        resp.raise_for_status()
    except httpx.HTTPError:
        return ""
    text = resp.text[:200_000]
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block or block.startswith(("#", "|", "!", "<", "```", "[!", "- ", "* ")):
            continue
        block = re.sub(r"\s+", " ", block)
        return block[:limit] + ("…" if len(block) > limit else "")
    return ""


def whoami(token: str) -> str:
    """The user name the token belongs to; raises HubError when refused or unreachable."""
    from huggingface_hub import HfApi

    # Asked of the token's own endpoint, never of a mirror (a mirror would see the token).
    return call_hub(HfApi(endpoint=home_endpoint()).whoami, token=token)["name"]


__all__ = ["HubError", "RepoDetails", "RepoSummary", "repo_details", "search", "whoami"]
