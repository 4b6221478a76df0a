"""System tools: help and machine status."""

from __future__ import annotations

from assistant.persian import format_bytes, format_number
from assistant.services.system import system_status as read_status
from prompts import t
from tools.commands import COMMANDS, FALLBACK, SECTIONS
from tools.registry import ToolResult, get_tool, tool


def help_page() -> str:
    """The help page: a table per section with a row per example of every tool's slash command (tools/commands.py)."""
    parts = [t("help.intro")]
    for section in SECTIONS:
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
    parts.append(t("help.outro"))
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


@tool("help", "Explain in Persian what the assistant can do, with one example per command.")
def help() -> ToolResult:  # noqa: A001  (the contract names it `help`)
    return ToolResult(True, help_page())


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
    return ToolResult(True, "\n".join(lines), st.to_dict())
