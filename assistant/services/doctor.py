"""`dastyar doctor`: what is installed, configured and reachable."""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from dataclasses import dataclass

from assistant.config import get_settings
from assistant.persian import format_bytes
from prompts import t

PACKAGES = (
    "chainlit", "langgraph", "litellm", "langchain-litellm", "huggingface_hub", "transformers", "torch",
    "datasets", "accelerate", "peft", "faster-whisper", "sqlmodel", "apscheduler", "scikit-learn",
)


@dataclass
class Check:
    name: str
    level: str  # ok | warn | error
    detail: str


def _mask_url(url: str) -> str:
    # Never print a database password.
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def hub_reachable(endpoint: str, timeout: float = 3.0) -> bool:
    import httpx

    try:
        resp = httpx.get(f"{endpoint.rstrip('/')}/api/models", params={"limit": 1}, timeout=timeout)
        return resp.status_code < 500
    except httpx.HTTPError:
        return False


def cluster_check() -> Check:
    """DASTYAR_JOB_BACKEND=ray: the database every node must reach, and the cluster itself."""
    from assistant.jobs import cluster

    try:
        have = cluster.resources()
    except cluster.ClusterError as exc:
        return Check("ray", "error", exc.user_message)
    return Check("ray", "ok", t("cluster.doctor_ok", nodes=have.nodes, cpus=int(have.cpus), gpus=int(have.gpus)))


def run_checks() -> list[Check]:
    settings = get_settings()
    checks = [Check("python", "ok", sys.version.split()[0])]
    for pkg in PACKAGES:
        try:
            checks.append(Check(pkg, "ok", importlib.metadata.version(pkg)))
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(pkg, "error", t("doctor.missing")))
    try:
        from assistant import migrations
        from assistant.db import get_engine

        revision = migrations.current_revision(get_engine())
        checks.append(Check("database", "ok", f"{_mask_url(settings.db_url)} (schema {revision})"))
    except migrations.SchemaTooNew as exc:
        checks.append(Check("database", "error", f"{_mask_url(settings.db_url)} — {exc.user_message}"))
    except Exception as exc:
        checks.append(Check("database", "error", f"{_mask_url(settings.db_url)} — {type(exc).__name__}"))
    free = shutil.disk_usage(settings.data_dir).free
    checks.append(Check("data_dir", "ok", f"{settings.data_dir.resolve()} ({format_bytes(free)} {t('doctor.free')})"))
    reachable = hub_reachable(settings.hf_endpoint)
    checks.append(
        Check("hub", "ok" if reachable else "warn", f"{settings.hf_endpoint} — {t('doctor.reachable' if reachable else 'doctor.unreachable')}")
    )
    checks.append(Check("hf_token", "ok", t("doctor.token_set" if settings.hf_token else "doctor.token_unset")))
    checks.append(Check("llm", "ok", settings.assistant_llm or t("doctor.llm_offline")))
    from assistant.when import DEFAULT_ZONE, zone_known

    zone_ok = zone_known(settings.timezone)
    checks.append(Check("timezone", "ok" if zone_ok else "warn",
                        settings.timezone if zone_ok else t("doctor.bad_zone", zone=settings.timezone, default=DEFAULT_ZONE)))
    if settings.job_backend == "ray":
        checks.append(cluster_check())
    for exe in ("espeak-ng", "chromium"):
        path = shutil.which(exe)
        checks.append(Check(exe, "ok" if path else "warn", path or t("doctor.missing")))
    try:  # speech engines and models: recognition (faster-whisper) and synthesis (espeak-ng, MMS)
        from assistant.services.speech import doctor_checks

        checks.extend(Check(**row) for row in doctor_checks())
    except Exception as exc:
        checks.append(Check("speech", "error", type(exc).__name__))
    return checks
