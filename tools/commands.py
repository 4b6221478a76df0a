"""Every tool's slash command, declared once: its names, how `/command …` text becomes its arguments, its menu icon
and its help example. The slash router (agents/router.py), Chainlit's command menu (assistant/ui/commands.py) and
the help page (the `help` tool) are built from these declarations.

Plain data with no imports beyond the standard library: `dastyar route` reads it without loading the tools.
Persian wording stays in prompts/fa.toml: the menu line is `ui.command.<first name>`, the help row is
`help.<tool>.task` and `help.<tool>.say` (`task2`/`say2` … for further examples).

How the text after the command becomes arguments (applied in this order):
- `first`: the first word of the text;
- `positional`: the words that are not `key=value` (shell quoting), in order;
- `words`: all those words joined by spaces (always set);
- `keys`: `key=value` words, by key (case-insensitive), override the above;
- `flag`: `(argument, value, words)`: the argument is `value` when the whole text is one of `words`;
- `lead`: `(argument, pattern)`: a first word matching `pattern` goes to the argument, the rest of the text to `rest`;
- `options`: `key=value` words at the start of the text, by key, before `rest` takes what follows;
- `rest`: the whole (remaining) text, as typed;
- `required`: the argument asked for when the text is empty.

`later`: the tool starts work (a job) that may be scheduled for a time (the `schedule` tool wraps it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Help page sections, in the order shown; each has a title `help.section.<id>`.
SECTIONS = ("hub", "training", "speech", "system")
# The commands a "didn't understand" reply offers (their first help row each), in this order.
FALLBACK = ("plan_goal", "search_models", "download", "start_training", "speak", "list_jobs", "job_status", "cancel_job")


@dataclass(frozen=True)
class Command:
    tool: str
    names: tuple[str, ...]  # the first is the menu's and the help's; the others are aliases (Persian and English)
    icon: str  # a lucide icon name for Chainlit's command menu
    section: str  # the help page section
    examples: tuple[str, ...]  # what the help page shows in its command column, one row each
    first: str | None = None
    positional: tuple[str, ...] = ()
    words: str | None = None
    keys: Mapping[str, str] = field(default_factory=dict)
    flag: tuple[str, object, tuple[str, ...]] | None = None
    lead: tuple[str, str] | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    rest: str | None = None
    required: str | None = None
    later: bool = False  # it starts work that may be scheduled for later (`/schedule`, «فردا ساعت ۲ …»)

    @property
    def name(self) -> str:
        return self.names[0]


# A model named by a training job number (`5`, `#۵`, `job-5`), a repo id, a fine-tuned folder's name or a path.
MODEL_REF = r"#*(?i:job[-_]?)?\d+|(?:/|\./|~)\S*|[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9][A-Za-z0-9_.\-]*)?"

_JOB = {"first": "job_id", "required": "job_id"}
_SEARCH = {"words": "query", "keys": {"task": "task", "language": "language", "limit": "limit"}}

COMMANDS: tuple[Command, ...] = (
    Command("help", ("help", "h", "راهنما", "start"), "circle-help", "system", ("/help", "/help training"),
            first="topic"),
    Command("search_models", ("search", "models", "جستجو"), "search", "hub", ("/search bert",), **_SEARCH),
    Command("search_datasets", ("datasets", "dataset"), "database", "hub", ("/datasets sentiment",), **_SEARCH),
    Command(
        "model_info", ("info", "اطلاعات"), "file-text", "hub", ("/info HooshvareLab/bert-fa-base-uncased",),
        positional=("repo_id", "repo_type"), keys={"type": "repo_type"},
    ),
    Command(
        "download", ("download", "دانلود"), "download", "hub", ("/download HooshvareLab/bert-fa-base-uncased",),
        positional=("repo_id", "repo_type"), keys={"repo_type": "repo_type", "type": "repo_type", "revision": "revision"}, later=True,
    ),
    Command("list_installed", ("installed", "نصب"), "hard-drive", "hub", ("/installed",)),
    Command("catalog", ("catalog", "کاتالوگ"), "book-open", "hub", ("/catalog",), first="task"),
    Command(
        "start_training", ("train", "آموزش"), "graduation-cap", "training",
        (
            "/train base=<مدل> data=<دیتاست یا فایل> epochs=3 lr=2e-5 batch=16",
            "text=comment label=label task=text-generation save_steps=100 keep=2 confirm=yes",
            "/train base=<مدل> data=<فایل> workers=4 gpu=yes",
        ),
        positional=("base_model",),
        keys={
            "base": "base_model", "model": "base_model", "base_model": "base_model",
            "data": "dataset", "dataset": "dataset",
            "task": "task",
            "epochs": "epochs", "epoch": "epochs",
            "lr": "learning_rate", "learning_rate": "learning_rate",
            "batch": "batch_size", "batch_size": "batch_size", "bs": "batch_size",
            "text": "text_column", "text_column": "text_column", "label": "label_column", "label_column": "label_column",
            "save_steps": "save_steps", "checkpoint_steps": "save_steps", "keep": "save_total_limit",
            "save_total_limit": "save_total_limit", "max_length": "max_length", "maxlen": "max_length",
            "eval": "eval_fraction", "eval_fraction": "eval_fraction",
            "workers": "workers", "worker": "workers", "gpu": "gpu",
            "confirm": "confirmed", "confirmed": "confirmed", "yes": "confirmed",
        }, later=True,
    ),
    Command(
        "plan_goal", ("goal", "هدف"), "target", "training",
        ("/goal یه مدل تحلیل احساسات برای نظرات مشتری‌هام",), rest="goal", required="goal", later=True,
    ),
    Command(
        "push_model", ("push", "بارگذاری"), "upload", "training", ("/push <شمارهٔ کار> <نام مخزن> [public]",),
        positional=("model", "name", "private"), keys={"model": "model", "name": "name", "repo": "name",
                                                      "private": "private"}, later=True,
    ),
    Command(
        "try_model", ("try",), "flask-conical", "training",
        ("/try <شمارهٔ کار یا مدل> <متن>", "/try <شمارهٔ کار> file=<فایل CSV>"),
        lead=("model", MODEL_REF), rest="text", options={"file": "file", "text": "text_column"},
    ),
    Command(
        "evaluate_model", ("eval", "ارزیابی"), "chart-column", "training", ("/eval <شمارهٔ کار یا مدل> [دیتاست یا فایل]",),
        positional=("model", "dataset"),
        keys={"model": "model", "data": "dataset", "dataset": "dataset", "text": "text_column",
              "text_column": "text_column", "label": "label_column", "label_column": "label_column"}, later=True,
    ),
    Command(
        "compare_models", ("compare", "مقایسه"), "scale", "training", ("/compare 3 5 [data=<دیتاست یا فایل>]",),
        words="models",
        keys={"data": "dataset", "dataset": "dataset", "text": "text_column", "text_column": "text_column",
              "label": "label_column", "label_column": "label_column"}, later=True,
    ),
    Command(
        "export_model", ("export", "اکسپورت"), "package", "training", ("/export <شمارهٔ کار یا مدل> onnx",),
        positional=("model", "format"), keys={"model": "model", "format": "format"}, later=True,
    ),
    Command("set_hf_token", ("token",), "key-round", "hub", ("/token hf_…",), rest="token"),
    Command(
        "set_hub_endpoint", ("mirror", "endpoint", "آینه"), "globe", "hub", ("/mirror https://hf-mirror.com",),
        rest="url",
    ),
    Command("system_status", ("status", "system", "وضعیت"), "activity", "system", ("/status",)),
    Command("list_jobs", ("jobs", "کارها"), "list-checks", "system", ("/jobs",), first="kind"),
    Command("job_status", ("job", "کار"), "info", "system", ("/job 3",), **_JOB),
    Command("cancel_job", ("cancel", "stop", "لغو", "unschedule"), "circle-stop", "system", ("/cancel 3",), **_JOB),
    Command(
        "schedule", ("schedule", "schedules", "زمان‌بندی"), "alarm-clock", "system",
        ("/schedule فردا ساعت ۱۰ صبح /download HooshvareLab/bert-fa-base-uncased", "/schedules"), rest="when",
    ),
    Command("resume_job", ("resume", "ادامه"), "play", "system", ("/resume 3",), **_JOB, later=True),
    Command(
        "notifications", ("notifications", "notifs", "اعلان", "اعلانها"), "bell", "system", ("/notifications",),
        flag=("unread_only", True, ("unread", "خوانده‌نشده", "نخوانده", "جدید")),
    ),
    Command("mark_notifications_read", ("read",), "check-check", "system", ("/read",)),
    Command(
        "speak", ("speak", "بخوان", "بخون", "say", "tts"), "volume-2", "speech", ("/speak سلام",),
        options={"voice": "voice"}, rest="text",
    ),
    Command("transcribe", ("transcribe", "stt", "رونویسی"), "audio-lines", "speech", ("/transcribe",), rest="audio",
            later=True),
)

BY_TOOL: dict[str, Command] = {c.tool: c for c in COMMANDS}
