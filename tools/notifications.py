"""Notification tools."""

from __future__ import annotations

from assistant.identity import owner_filter
from assistant.persian import fa_digits, jalali_datetime
from assistant.services import notifications as service
from prompts import t
from tools.registry import ToolArgs, ToolResult, tool

_ICONS = {"success": "✅", "error": "❌", "warning": "⚠️", "info": "🔔"}


def notification_line(note) -> str:
    icon = _ICONS.get(note.level, "🔔")
    unread = t("notifications.unread_mark") if not note.read else ""
    body = f" — {note.body}" if note.body else ""
    return f"- {icon} {note.title}{body} ({jalali_datetime(note.created_at)}){unread}"


class NotificationsArgs(ToolArgs):
    unread_only: bool = False


@tool("notifications", "Show recent notifications (job ends, warnings).", NotificationsArgs)
def notifications(unread_only: bool = False) -> ToolResult:
    mine = owner_filter()
    notes = service.list_notifications(unread_only=unread_only, limit=20, owner=mine)
    data = {"notifications": [n.model_dump(mode="json") for n in notes], "unread": service.unread_count(owner=mine)}
    if not notes:
        return ToolResult(True, t("notifications.none_unread" if unread_only else "notifications.none"), data)
    header = t("notifications.header", count=fa_digits(len(notes)), unread=fa_digits(data["unread"]))
    return ToolResult(True, header + "\n" + "\n".join(notification_line(n) for n in notes) + "\n\n" + t("notifications.read_hint"), data)


@tool("mark_notifications_read", "Mark all notifications as read.")
def mark_notifications_read() -> ToolResult:
    count = service.mark_all_read(owner=owner_filter())
    return ToolResult(True, t("notifications.marked", count=fa_digits(count)), {"marked": count})
