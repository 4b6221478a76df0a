"""A plan from a goal: which base model and which data, and what it will cost on this machine.

The goal arrives understood (a task, maybe a topic, constraints, the person's own file); this module only knows
models, data and this machine. Candidates come from the offline catalog, the models already on disk and — when it
answers — the Hub; each is scored by fit for Persian, what training it would take here (memory, time), download
size and licence. Nothing is downloaded and no model is loaded: a plan comes in a second or two.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.services.hub.catalog import catalog
from assistant.services.hub.client import HubError
from assistant.services.training import tasks as task_mod
from assistant.services.training.errors import TrainingProblem

TRAINABLE = (task_mod.CLASSIFICATION, task_mod.GENERATION)
# The pipeline tags whose models make good starting points for each trainable task.
BASE_TAGS = {
    task_mod.CLASSIFICATION: ("fill-mask", "text-classification"),
    task_mod.GENERATION: ("text-generation",),
}
OPEN_LICENCES = ("apache", "mit", "bsd", "cc-by-4", "cc-by-sa", "openrail", "llama", "gemma", "cc0")
BYTES_PER_ROW = 160  # a short Persian review in CSV, for a dataset not yet downloaded
DEFAULT_EPOCHS = 3.0
DEFAULT_BATCH = 16
MAX_CANDIDATES = 3


@dataclass
class Goal:
    task: str | None
    text: str = ""
    topic: str = ""  # Hub words for the data: «sentiment», «spam» …
    fast: bool = False
    small: bool = False
    data: str | None = None  # the person's own file (a path they may read) or a dataset repo id
    base_model: str | None = None  # a model the person named
    language: str | None = None


@dataclass
class Candidate:
    repo_id: str
    source: str  # catalog | hub | installed
    size: int  # bytes to download (0: on disk already)
    weights: int  # bytes of weights
    params: int
    licence: str | None
    persian: bool
    installed: bool
    description: str = ""
    est_seconds: float = 0.0
    mem_need: int = 0
    fits: bool = True
    score: float = 0.0
    notes: list[str] = field(default_factory=list)  # prompts keys under goals.note.*


@dataclass
class DataChoice:
    kind: str  # hub | file | needed
    ref: str = ""  # repo id or path
    display: str = ""
    size: int = 0
    rows: int = 0
    rows_known: bool = False
    licence: str | None = None
    installed: bool = False
    labels: list[str] = field(default_factory=list)
    text_column: str | None = None
    label_column: str | None = None
    avg_chars: float = 60.0


@dataclass
class GoalPlan:
    goal: Goal
    trainable: bool
    candidates: list[Candidate]
    pick: int
    data: DataChoice
    hub_reachable: bool
    hub_message: str = ""
    memory_free: int = 0
    device: str = "cpu"
    epochs: float = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH

    @property
    def model(self) -> Candidate | None:
        return self.candidates[self.pick] if 0 <= self.pick < len(self.candidates) else None

    @property
    def download_bytes(self) -> int:
        model = self.model
        data = self.data.size if self.data.kind == "hub" and not self.data.installed else 0
        return (model.size if model else 0) + data

    @property
    def disk_bytes(self) -> int:
        """Downloads, plus the trained model, two checkpoints (weights and optimizer state) and the evaluation."""
        model = self.model
        weights = model.weights if model else 0
        return self.download_bytes + weights + 2 * 3 * weights

    @property
    def ready(self) -> bool:
        return self.trainable and self.model is not None and self.data.kind in ("hub", "file")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(download_bytes=self.download_bytes, disk_bytes=self.disk_bytes, ready=self.ready)
        return data


# -- the machine ---------------------------------------------------------------------------------------------------


def _hardware():
    from assistant.services.training.plan import detect_hardware

    return detect_hardware()


def estimate(params: int, rows: int, avg_chars: float, epochs: float, batch: int, hw, *, lora: bool) -> tuple[float, int]:
    """(seconds, bytes of memory) to fine-tune a model of `params` parameters here: the same figures the check
    before training uses, with BERT-like proportions for the layers not yet on disk."""
    from assistant.services.training import plan as check

    hidden = max(128, min(8192, int(math.sqrt(max(params, 1) / 150))))
    layers = max(2, min(80, round(params / (12 * hidden * hidden + 1)) or 2))
    tokens = check.tokens_per_example(avg_chars, 128)
    speed = check.measured_speed(hw.device) * max(1, hw.gpus)
    train_rows = max(1, int(rows * 0.9))
    steps = max(1, math.ceil(train_rows / batch) * math.ceil(epochs))
    factor = 4 if lora else 6
    seconds = check.STARTUP_SECONDS[hw.device] + steps * (
        check.STEP_OVERHEAD_SECONDS[hw.device] + factor * params * tokens * batch / speed)
    seconds += math.ceil(epochs) * (rows - train_rows) * 2 * params * tokens / speed
    states = params * (4 + 4 + 8) if not lora else params * 4 + int(params * 0.02) * 16
    memory = int(states + batch * 128 * hidden * layers * 34 + check.FRAMEWORK_BYTES)
    return seconds, memory


# -- candidates ------------------------------------------------------------------------------------------------------


def _installed_models() -> dict[str, int]:
    """Hub models complete on disk: id → bytes."""
    from assistant.services.hub.installed import list_installed

    return {i.name: i.size for i in list_installed() if i.kind == "model" and i.complete}


def _params_on_disk(repo_id: str) -> tuple[int, int] | None:
    from assistant.services.hub.local import resolve_snapshot
    from assistant.services.training.plan import model_size

    path = resolve_snapshot(repo_id, "model")
    if path is None:
        return None
    return model_size(path, task_mod.read_config(path))


def _hub_model(repo_id: str) -> dict[str, Any] | None:
    """What the Hub says of a model (None: not there); HubError when the Hub cannot be reached."""
    from assistant.services.hub.search import repo_details

    try:
        details = repo_details(repo_id, "model")
    except HubError as exc:
        if exc.code in ("not_found", "gated", "unauthorized", "revision_not_found"):
            return None
        raise
    weights = sum(size or 0 for name, size in details.files if name.endswith((".safetensors", ".bin")))
    return {"size": details.total_size, "weights": weights, "licence": details.summary.license,
            "persian": details.summary.persian, "task": details.summary.task}


def _licence_points(licence: str | None) -> tuple[float, str | None]:
    value = (licence or "").lower()
    if not value or value == "unknown":
        return -0.5, "licence_unknown"
    if "nc" in value.split("-") or "non-commercial" in value:
        return -1.0, "licence_nc"
    if any(value.startswith(p) for p in OPEN_LICENCES):
        return 1.0, None
    return 0.0, None


def candidates(goal: Goal, data: DataChoice, hw, *, hub: bool, epochs: float = DEFAULT_EPOCHS,
               batch_size: int = DEFAULT_BATCH) -> tuple[list[Candidate], bool, str]:
    """Ranked base models for the goal; also whether the Hub answered (and its Persian message when not)."""
    task = goal.task or task_mod.CLASSIFICATION
    lora = task_mod.TASKS[task].lora
    tags = BASE_TAGS[task]
    on_disk = _installed_models()
    seen: dict[str, Candidate] = {}
    pool: list[tuple[str, str, dict[str, Any]]] = []
    if goal.base_model:
        pool.append((goal.base_model, "named", {}))
    for tag in tags:
        for entry in catalog("model", task=tag):
            pool.append((entry["id"], "catalog", entry))
    for repo_id in on_disk:
        pool.append((repo_id, "installed", {}))
    reachable, message = hub, ""
    if hub:
        from assistant.services.hub.search import search

        try:
            for tag in tags:
                for found in search("model", query="", task=tag, language="fa", limit=5):
                    if found.persian and not found.gated:  # a gated model waits on its owner's approval
                        pool.append((found.id, "hub", {"license": found.license}))
        except HubError as exc:
            reachable, message = False, exc.user_message
    for repo_id, source, entry in pool:
        if repo_id in seen:
            continue
        cand = _candidate(repo_id, source, entry, on_disk, reachable, goal)
        if cand is None:
            continue
        if cand.source == "installed" and not _installed_fits(repo_id, task):
            continue
        seen[repo_id] = cand
    rows = data.rows or 2000
    for cand in seen.values():
        cand.est_seconds, cand.mem_need = estimate(cand.params, rows, data.avg_chars, epochs, batch_size, hw,
                                                   lora=lora)
        cand.fits = cand.mem_need <= hw.memory_free
        cand.score = _score(cand, goal)
    ranked = sorted(seen.values(), key=lambda c: -c.score)
    return ranked[:MAX_CANDIDATES], reachable, message


def _installed_fits(repo_id: str, task: str) -> bool:
    """A model on disk is a candidate only when it can learn the task (a speech model cannot classify text)."""
    from assistant.services.hub.local import resolve_snapshot

    path = resolve_snapshot(repo_id, "model")
    config = task_mod.read_config(path) if path else {}
    return bool(config) and task in task_mod.tasks_for(config) and task_mod.has_tokenizer(path)


def _candidate(repo_id: str, source: str, entry: dict[str, Any], on_disk: dict[str, int], hub: bool,
               goal: Goal) -> Candidate | None:
    from assistant.services.hub.search import _is_persian

    installed = repo_id in on_disk
    local = _params_on_disk(repo_id) if installed else None
    remote: dict[str, Any] | None = None
    if hub and not installed:
        try:
            remote = _hub_model(repo_id)
        except HubError:
            hub = False  # the Hub stopped answering: the catalog's figures stand
        else:
            if remote is None or not remote["weights"]:
                return None  # the Hub answered: not there (or not for this person), or no weights to train
    if remote is None and not installed and source not in ("catalog", "named"):
        return None
    size = 0 if installed else int((remote or {}).get("size") or entry.get("size") or 0)
    weights = local[1] if local else int((remote or {}).get("weights") or size or entry.get("size") or 0)
    params = local[0] if local else max(1, weights // 4)
    licence = (remote or {}).get("licence") or entry.get("license")
    persian = bool((remote or {}).get("persian")) or source == "catalog" or _is_persian(repo_id, [])
    if not persian and installed:
        persian = _is_persian(repo_id, _card_languages(repo_id))
    cand = Candidate(repo_id=repo_id, source=source, size=size, weights=weights, params=params, licence=licence,
                     persian=persian, installed=installed, description=str(entry.get("description") or ""))
    if hub is False and not installed:
        cand.notes.append("needs_hub")
    return cand


def _card_languages(repo_id: str) -> list[str]:
    from assistant.services.hub.local import resolve_snapshot

    path = resolve_snapshot(repo_id, "model")
    readme = path / "README.md" if path else None
    if readme is None or not readme.is_file():
        return []
    head = readme.read_text(encoding="utf-8", errors="replace")[:2000]
    return ["fa"] if "- fa" in head or "language: fa" in head else []


def _score(cand: Candidate, goal: Goal) -> float:
    score = 3.0 if cand.persian else 0.0
    if goal.base_model and cand.repo_id == goal.base_model:
        score += 10.0
    if cand.installed:
        score += 1.5
    if cand.source == "catalog":
        score += 1.0
    points, note = _licence_points(cand.licence)
    score += points
    if note:
        cand.notes.append(note)
    if not cand.fits:
        score -= 20.0
        cand.notes.append("too_big")
    hours = cand.est_seconds / 3600
    score -= (1.5 if goal.fast else 0.7) * math.log10(1 + hours * 10)
    if goal.small or goal.fast:
        score -= 0.5 * math.log10(1 + cand.params / 1e8)
    return score


# -- data ----------------------------------------------------------------------------------------------------------


def own_file(path: str, task: str) -> DataChoice:
    """The person's file, read and checked as training will read it (columns, labels, rows)."""
    from assistant.services.training.data import prepare, resolve_dataset

    source = resolve_dataset(path)
    prepared = prepare(source, task)
    return DataChoice(kind="file", ref=str(source.path), display=source.display, rows=prepared.rows,
                      rows_known=True, installed=True, labels=list(prepared.labels)[:20],
                      text_column=prepared.text_column, label_column=prepared.label_column,
                      avg_chars=prepared.avg_chars or 60.0)


def public_data(goal: Goal, *, hub: bool) -> tuple[DataChoice, bool, str]:
    """A public dataset for the goal: the catalog's (checked on the Hub when it answers), else a Hub search; also
    whether the Hub answered (and its Persian message when not)."""
    from assistant.services.hub.local import resolve_snapshot

    task = goal.task or task_mod.CLASSIFICATION
    topic_words = (goal.topic or "").split()
    options = [e for e in catalog("dataset", task=task) if not topic_words or
               any(w in f"{e['id']} {e.get('description', '')}".lower() for w in topic_words)]
    if task == task_mod.CLASSIFICATION and not topic_words:
        options = []  # «دسته‌بندی» alone says nothing of which labels: the person's own data it is
    picked: dict[str, Any] | None = options[0] if options else None
    message = ""
    if hub and picked is None and topic_words:
        from assistant.services.hub.search import search

        try:
            found = [r for r in search("dataset", query=" ".join(topic_words), task=task, language="fa", limit=5)
                     if r.persian]
        except HubError as exc:
            found = []
            if exc.code == "unreachable":
                hub, message = False, exc.user_message
        if found:
            picked = {"id": found[0].id, "size": found[0].size or 0, "license": found[0].license}
    if picked is None:
        return DataChoice(kind="needed"), hub, message
    repo_id = picked["id"]
    size, licence = int(picked.get("size") or 0), picked.get("license")
    installed = resolve_snapshot(repo_id, "dataset") is not None
    if hub and not installed:
        from assistant.services.hub.search import repo_details

        try:
            details = repo_details(repo_id, "dataset")
            size, licence = details.total_size, details.summary.license or licence
        except HubError as exc:
            if exc.code == "not_found":
                return DataChoice(kind="needed"), hub, message
            if exc.code == "unreachable":
                hub, message = False, exc.user_message
    rows = max(50, size // BYTES_PER_ROW) if size else 2000
    return DataChoice(kind="hub", ref=repo_id, display=repo_id, size=size, rows=rows, licence=licence,
                      installed=installed), hub, message


# -- the plan ------------------------------------------------------------------------------------------------------


def make_plan(goal: Goal, *, pick: int = 0, hub: bool = True, epochs: float = DEFAULT_EPOCHS,
              batch_size: int = DEFAULT_BATCH) -> GoalPlan:
    """The plan for a goal; `pick`: the n-th best model («مدل دیگه»). TrainingProblem for a file that will not do."""
    hw = _hardware()
    task = goal.task if goal.task in TRAINABLE else None
    if task is None and goal.task is None:
        task = task_mod.CLASSIFICATION  # «… نظرات مشتری‌هام» with no task word: most goals are classification
    if task is None:
        return GoalPlan(goal=goal, trainable=False, candidates=[], pick=0, data=DataChoice(kind="needed"),
                        hub_reachable=hub, memory_free=hw.memory_free, device=hw.device)
    goal.task = task
    message = ""
    if goal.data and not _is_repo(goal.data):
        data = own_file(goal.data, task)
    elif goal.data:
        data = DataChoice(kind="hub", ref=goal.data, display=goal.data, rows=2000)
    else:
        data, hub, message = public_data(goal, hub=hub)
    ranked, reachable, found_message = candidates(goal, data, hw, hub=hub, epochs=epochs, batch_size=batch_size)
    message = message or found_message
    if not ranked:
        raise TrainingProblem("goal_no_model")
    pick = pick % len(ranked)
    return GoalPlan(goal=goal, trainable=True, candidates=ranked, pick=pick, data=data, hub_reachable=reachable,
                    hub_message=message, memory_free=hw.memory_free, device=hw.device, epochs=epochs,
                    batch_size=batch_size)


def _is_repo(value: str) -> bool:
    from assistant.services.files import confined
    from assistant.services.hub.client import is_owner_repo

    path = confined(value)
    if path is not None and path.exists():
        return False
    return is_owner_repo(value) and not value.startswith(("/", ".", "~"))
