"""System tools: help and machine status."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from assistant.persian import format_bytes, format_number, normalize
from assistant.services.system import system_status as read_status
from prompts import t
from tools.commands import COMMANDS, FALLBACK, SECTIONS
from tools.registry import ToolArgs, ToolResult, get_tool, tool


def _topic(value: Any) -> str:
    """A help section by its id («hub») or one of its Persian words («آموزش»); anything else: the summary."""
    word = normalize(str(value or "")).replace("\u200c", "").strip(" /«»").lower()
    for section in SECTIONS:
        names = {section, *(w.strip().replace("\u200c", "") for w in t(f"help.topic_words.{section}").split("،"))}
        if word in names:
            return section
    return ""


class HelpArgs(ToolArgs):
    topic: Annotated[str, BeforeValidator(_topic)] = ""


_PAREN = re.compile(r"\s*\(.*?\)")  # «(فارسی‌ها اول)»: for the table, not the summary


def help_summary() -> str:
    """Short enough to read at once: each section's tasks and commands, `/help <section>` for its table, shortcuts."""
    parts = [t("help.intro_short")]
    for section in SECTIONS:
        commands = [c for c in COMMANDS if c.section == section and c.tool != "help" and get_tool(c.tool) is not None]
        if commands:
            pairs = " · ".join(f"{_PAREN.sub('', t(f'help.{c.tool}.task'))} `/{c.name}`" for c in commands)
            parts.append(t("help.summary_line", title=t(f"help.section.{section}"), commands=pairs, topic=section))
    parts.append(t("help.shortcuts"))
    return "\n\n".join(parts)


def help_page(topic: str | None = None) -> str:
    """The help page: a table per section with a row per example of every tool's slash command (tools/commands.py);
    one section's table with `topic`."""
    parts = [t("help.intro")] if topic is None else []
    for section in SECTIONS if topic is None else (topic,):
        rows = []
        for command in COMMANDS:
            if command.section != section or get_tool(command.tool) is None:
                continue
            for n, example in enumerate(command.examples, start=1):
                suffix = "" if n == 1 else str(n)
                task, say = t(f"help.{command.tool}.task{suffix}"), t(f"help.{command.tool}.say{suffix}")
                rows.append(f"| {task} | {say} | `{example}` |")
        if rows:
            parts.append(f"**{t(f'help.section.{section}')}**\n\n{t('help.table_head')}\n" + "\n".join(rows))
    parts.append(t("help.outro") if topic is None else t("help.more"))
    return "\n\n".join(parts)


def fallback_text() -> str:
    """What the agent says when it did not understand: a few commands, in the help page's own words."""
    by_tool = {command.tool: command for command in COMMANDS}
    lines = [t("agent.fallback")]
    for name in FALLBACK:
        command = by_tool.get(name)
        if command is not None and get_tool(name) is not None:
            lines.append(t("agent.fallback_line", task=t(f"help.{name}.task"), say=t(f"help.{name}.say"),
                           example=command.examples[0]))
    return "\n".join(lines)


@tool("help", "Explain in Persian what the assistant can do: a short summary, or one topic's commands with examples "
               "(topic: hub, training, speech, system).", HelpArgs)
def help(topic: str = "") -> ToolResult:  # noqa: A001  (the contract names it `help`)
    return ToolResult(True, help_page(topic) if topic else help_summary(), {"topic": topic})


@tool("system_status", "Show CPU, RAM, disk, GPU and job counts of this machine.")
def system_status() -> ToolResult:
    st = read_status()
    lines = [t("system.header")]
    lines.append(t("system.cpu", percent=format_number(st.cpu_percent), cores=format_number(st.cpu_count)))
    lines.append(
        t(
            "system.ram",
            used=format_bytes(st.ram_used),
            total=format_bytes(st.ram_total),
            percent=format_number(st.ram_percent),
        )
    )
    lines.append(t("system.disk", free=format_bytes(st.disk_free), total=format_bytes(st.disk_total)))
    if st.gpus:
        for gpu in st.gpus:
            lines.append(
                t("system.gpu", name=gpu.name, used=format_bytes(gpu.memory_used), total=format_bytes(gpu.memory_total))
            )
    else:
        lines.append(t("system.no_gpu"))
    jobs = st.jobs
    lines.append(
        t(
            "system.jobs",
            running=format_number(jobs.get("running", 0)),
            queued=format_number(jobs.get("queued", 0)),
            succeeded=format_number(jobs.get("succeeded", 0)),
            failed=format_number(jobs.get("failed", 0)),
            interrupted=format_number(jobs.get("interrupted", 0)),
        )
    )
    data = st.to_dict()
    cluster_lines, data["cluster"] = _cluster_status()
    lines.extend(cluster_lines)
    return ToolResult(True, "\n".join(lines), data)


def _cluster_status() -> tuple[list[str], dict[str, Any] | None]:
    """With DASTYAR_JOB_BACKEND=ray: the cluster's nodes, CPUs, GPUs and memory (used of total)."""
    from assistant.jobs import cluster

    if not cluster.enabled():
        return [], None
    try:
        have = cluster.resources()
    except cluster.ClusterError as exc:
        return [t("cluster.status_unreachable", reason=exc.user_message)], {"error": "unreachable"}
    lines = [
        t("cluster.status_header", nodes=have.nodes),
        t("cluster.status_cpus", used=format_number(have.cpus - have.cpus_free), total=format_number(have.cpus)),
        t("cluster.status_gpus", used=format_number(have.gpus - have.gpus_free), total=format_number(have.gpus)),
        t("cluster.status_memory", used=format_bytes(int(have.memory - have.memory_free)),
          total=format_bytes(int(have.memory))),
    ]
    return lines, {
        "nodes": have.nodes, "cpus": have.cpus, "cpus_free": have.cpus_free, "gpus": have.gpus,
        "gpus_free": have.gpus_free, "memory": have.memory, "memory_free": have.memory_free}
