"""`/status`'s chart of the last hour (Plotly) from the background samples the status tool returns."""

from __future__ import annotations

import time
from typing import Any

from prompts import t

MIN_POINTS = 2  # a line needs two


def status_spec(history: list[dict[str, Any]], now: float | None = None) -> dict[str, Any]:
    """CPU, memory, disk and GPU in percent against minutes ago; the job queue on a second axis (plotly.js JSON)."""
    from assistant.ui.charts import template

    now = now or time.time()
    x = [round((p["at"] - now) / 60.0, 2) for p in history]
    data = []
    for key, color in (("cpu", "#2563eb"), ("ram", "#16a34a"), ("disk", "#b45309"), ("gpu", "#9333ea")):
        ys = [p.get(key) for p in history]
        if any(v is not None for v in ys):
            data.append({"type": "scatter", "x": x, "y": ys, "mode": "lines", "name": t(f"ui.status.{key}"),
                         "line": {"color": color, "width": 2}})
    data.append({"type": "scatter", "x": x, "y": [p.get("queue", 0) for p in history], "mode": "lines",
                 "yaxis": "y2", "name": t("ui.status.queue"),
                 "line": {"color": "#64748b", "width": 1.5, "dash": "dot", "shape": "hv"}})
    layout = {
        "title": {"text": t("ui.status.chart_title")},
        # The hour once the server has run that long; before, the span it has (a fresh server is not a sliver).
        "xaxis": {"title": {"text": t("ui.status.minutes_ago")}, "range": [max(-60.0, min(x)) if x else -60.0, 0]},
        "yaxis": {"title": {"text": t("ui.status.percent")}, "range": [0, 100]},
        "yaxis2": {"overlaying": "y", "side": "right", "rangemode": "tozero", "dtick": 1, "showgrid": False},
        "template": template("plotly_white"), "height": 300, "margin": {"l": 50, "r": 40, "t": 40, "b": 40},
        "legend": {"orientation": "h", "y": -0.3},
    }
    return {"data": data, "layout": layout}


def status_figure(history: list[dict[str, Any]], now: float | None = None):
    """The same chart as a `plotly.graph_objects.Figure`."""
    from assistant.ui.charts import figure

    return figure(status_spec(history, now))


def status_elements(tool: str | None, data: dict[str, Any]) -> list:
    """The chart under a `/status` reply, when the server has sampled at least two points."""
    history = data.get("history") or [] if tool == "system_status" else []
    if len(history) < MIN_POINTS:
        return []
    from assistant.ui.charts import plotly_element

    # Plain JSON, not a go.Figure: this runs on the event loop every chat shares (see charts.py).
    return [plotly_element(status_spec(history), name="status-hour", display="inline", size="medium")]
