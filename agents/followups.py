"""Follow-ups that lean on the conversation: «دومی رو دانلود کن», «لغوش کن», «چقدر مونده؟», «همونو با ۵ دوره آموزش بده»."""

from __future__ import annotations

import re
from typing import Any

from agents.patterns import words
from agents.router import Route

_ORDINALS = {
    "اولی": 1, "اول": 1, "یکمی": 1, "دومی": 2, "دوم": 2, "سومی": 3, "سوم": 3, "چهارمی": 4, "چهارم": 4,
    "پنجمی": 5, "پنجم": 5, "ششمی": 6, "ششم": 6, "هفتمی": 7, "هفتم": 7, "هشتمی": 8, "هشتم": 8,
    "نهمی": 9, "نهم": 9, "دهمی": 10, "دهم": 10, "آخری": -1, "آخرین": -1, "first": 1, "second": 2, "third": 3,
}
_ORDINAL = re.compile(r"(?<![\w\u200c])(" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")(?![\w\u200c])")
_DECLINED = re.compile(r"\s*(?:(?:رو|را)\s*)?نه(?![\w\u200c])")
_NUMBERED = re.compile(r"(?:شماره|مورد|گزینه|ردیف)\s*([0-9۰-۹٠-٩]+)")

W_IT_CANCEL = words("لغوش", "کنسلش", "متوقفش", "قطعش", "بیخیالش", "لغو کن", "کنسل کن", "متوقف کن", "stop it", prefix=True)
W_IT_STATUS = words(
    "چقدر مونده", "چقدر مانده", "به کجا رسید", "کجا رسید", "چی شد", "تموم شد", "تمام شد", "پیشرفتش",
    "وضعیتش", "هنوز داره", "کی تموم میشه", "کی تمام می‌شود",
)
W_IT_RESUME = words("ادامه بده", "ادامه‌اش بده", "ادامش بده", "از سر بگیر", "ادامه", prefix=True)
W_DOWNLOAD = words("دانلود", "دریافت", "بارگیری", "بگیر", "نصب", "بیار پایین", "بیارش پایین", "بکش پایین", "بکشش پایین",
                   prefix=True)
W_INFO = words("اطلاعات", "مشخصات", "جزئیات", "توضیح", "درباره", prefix=True)
W_MACHINE = words("رم", "دیسک", "حافظه", "سی پی یو", "cpu", "gpu", "جی پی یو", "فضا", "جا", "هارد", "سیستم", "سرور", "ram", prefix=True)
W_SAME = words("همون", "همان", "همین", "همونو", "همینو", "اونو", "اون مدل", "این مدل", prefix=True)


_ITEM_TOOLS = ("model_info", "download", "catalog", "search_models", "search_datasets", "list_installed")


def _ordinal_index(text: str) -> int | None:
    from assistant.persian import parse_int

    m = _NUMBERED.search(text)
    if m:
        return parse_int(m.group(1))
    # «اولی رو نه، آخری رو بیار پایین»: an item declined by the «نه» after it is not the one meant
    kept = [m for m in _ORDINAL.finditer(text) if not _DECLINED.match(text, m.end())]
    return _ORDINALS[kept[0].group(1)] if kept else None


def resolve(text: str, r: Route, memory: dict[str, Any]) -> Route:
    """Fill what the message leaves to the conversation; returns the route unchanged when nothing applies."""
    last_job = memory.get("last_job_id")
    results = memory.get("last_results") or []

    # «دومی رو دانلود کن», «اطلاعات سومی»: an item of the last search.
    # A list's item said by its place reads alone as a list or a search («از اون لیستی که دادی، دومی رو بگیر»).
    if r.tool is None or r.missing or (r.tool in _ITEM_TOOLS and not r.args.get("repo_id")):
        index = _ordinal_index(text) if results else None
        if index is not None and results and (W_DOWNLOAD.search(text) or W_INFO.search(text)):
            pick = results[index - 1] if 0 < index <= len(results) else results[-1] if index == -1 else None
            if pick is None:
                return Route(None, {"count": len(results)}, source="followup", reply_key="agent.no_such_item")
            tool = "download" if W_DOWNLOAD.search(text) else "model_info"
            args = {"repo_id": pick["id"], "repo_type": pick.get("repo_type", "model")}
            return Route(tool, args, source="followup")

    # «چقدر مونده؟» right after a job started asks about the job, not the disk («چقدر جا مونده؟»).
    if last_job and r.tool in ("system_status", "list_jobs") and W_IT_STATUS.search(text) and not W_MACHINE.search(text):
        return Route("job_status", {"job_id": last_job}, source="followup")

    # «لغوش کن», «چقدر مونده؟», «ادامه بده»: the last job of this conversation.
    if r.tool in ("cancel_job", "job_status", "resume_job") and r.missing == "job_id" and last_job:
        return Route(r.tool, {"job_id": last_job}, source="followup")
    if r.tool is None and last_job:
        if W_IT_CANCEL.search(text):
            return Route("cancel_job", {"job_id": last_job}, source="followup")
        if W_IT_STATUS.search(text):
            return Route("job_status", {"job_id": last_job}, source="followup")
        if W_IT_RESUME.search(text) and len(text.split()) <= 4:
            return Route("resume_job", {"job_id": last_job}, source="followup")

    # «همونو با ۵ دوره آموزش بده»: the model and data of the conversation.
    if r.tool == "start_training":
        args = dict(r.args)
        # «سومی رو با پنج دور آموزش بده»: an item of the last search is the base model (or the data)
        index = _ordinal_index(text) if results else None
        pick = (results[index - 1] if index and 0 < index <= len(results) else results[-1] if index == -1 else None) \
            if index is not None else None
        if pick is not None:
            key = "dataset" if pick.get("repo_type") == "dataset" else "base_model"
            args[key] = args.get(key) or pick["id"]
        if not args.get("base_model") and memory.get("last_model"):
            args["base_model"] = memory["last_model"]
        if not args.get("dataset") and memory.get("last_dataset"):
            args["dataset"] = memory["last_dataset"]
        if args != r.args:
            return Route("start_training", args, source=r.source)
    if r.tool in ("try_model", "evaluate_model", "push_model", "export_model") and not r.args.get("model"):
        # «امتحانش کن», «ارزیابیش کن»: the model this conversation trained (or last named).
        model = memory.get("last_trained") or memory.get("last_model")
        if model:
            return Route(r.tool, {**r.args, "model": model}, source=r.source)
    if r.tool in ("model_info", "download") and not r.args.get("repo_id") and W_SAME.search(text):
        if memory.get("last_model"):
            return Route(r.tool, {**r.args, "repo_id": memory["last_model"]}, source="followup")
    return r


# The conversation's memory: the state fields `remember` writes and `resolve` reads (agents/graph.py's AgentState
# holds them; the command line's quick turns carry them in their file).
MEMORY_KEYS = ("last_results", "last_job_id", "last_model", "last_dataset", "last_trained", "last_goal", "uploads")


def remember(tool: str | None, args: dict[str, Any], result: dict[str, Any] | None) -> dict[str, Any]:
    """What a tool's outcome teaches the conversation's memory (state fields to update)."""
    if not tool or not result:
        return {}
    update: dict[str, Any] = {}
    data = result.get("data") or {}
    if result.get("job_id"):
        update["last_job_id"] = result["job_id"]
    if tool in ("search_models", "search_datasets", "catalog") and data.get("results"):
        update["last_results"] = [
            {"id": r["id"], "repo_type": r.get("repo_type", "dataset" if tool == "search_datasets" else "model")}
            for r in data["results"][:20]
        ]
    if tool in ("model_info", "download") and result.get("ok") and args.get("repo_id"):
        key = "last_dataset" if args.get("repo_type") == "dataset" else "last_model"
        update[key] = args["repo_id"]
    if tool == "plan_goal" and data.get("goal") is not None:
        update["last_goal"] = data["goal"]
    if tool == "plan_goal" and result.get("job_id"):
        update["last_goal"] = None
        update["last_trained"] = str(result["job_id"])  # the chain stands for the model it trains
    if tool == "start_training" and result.get("ok"):
        if args.get("base_model"):
            update["last_model"] = args["base_model"]
        if args.get("dataset"):
            update["last_dataset"] = args["dataset"]
        if result.get("job_id"):
            update["last_trained"] = str(result["job_id"])
    return update
