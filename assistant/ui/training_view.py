"""Training jobs in the chat: a live loss chart (Plotly) built from the metrics history in the Job row.

The figure code needs only plotly; `update_chart` talks to Chainlit and is called by the chat's job view on each event. The model
card and the loss plot at the end come through the job's `reply`/`media` result fields like any job's outputs.
"""

from __future__ import annotations

from typing import Any

from assistant.models import Job
from prompts import t


def chart_key(job: Job) -> tuple[int, int, str]:
    """Changes whenever the chart would: number of points, last step, status."""
    history = job.result.get("history") or []
    last = history[-1].get("step", 0) if history else 0
    return len(history), int(last), str(job.status)


def loss_spec(job: Job) -> dict[str, Any]:
    """Train loss and eval loss against the step (eval accuracy on a second axis when there is one), as plotly.js
    JSON (assistant/ui/charts.py: no go.Figure on the event loop)."""
    from assistant.ui.charts import template

    history: list[dict[str, Any]] = job.result.get("history") or []
    train = [p for p in history if p.get("loss") is not None]
    evals = [p for p in history if p.get("eval_loss") is not None]
    acc = [p for p in evals if p.get("eval_accuracy") is not None]
    data = [{"type": "scatter", "x": [p["step"] for p in train], "y": [p["loss"] for p in train], "mode": "lines",
             "name": t("ui.training.train_loss"), "line": {"color": "#2563eb", "width": 2}}]
    if evals:
        data.append({"type": "scatter", "x": [p["step"] for p in evals], "y": [p["eval_loss"] for p in evals],
                     "mode": "lines+markers", "name": t("ui.training.eval_loss"),
                     "line": {"color": "#dc2626", "width": 2}})
    if acc:
        data.append({"type": "scatter", "x": [p["step"] for p in acc], "y": [p["eval_accuracy"] for p in acc],
                     "mode": "lines+markers", "name": t("ui.training.eval_accuracy"), "yaxis": "y2",
                     "line": {"color": "#16a34a", "width": 2, "dash": "dot"}})
    total = job.result.get("total_steps")
    xaxis: dict[str, Any] = {"title": {"text": t("ui.training.step")}}
    if total:
        xaxis["range"] = [0, total]
    layout: dict[str, Any] = {
        "title": {"text": t("ui.training.chart_title", id=job.id)},
        "xaxis": xaxis,
        "yaxis": {"title": {"text": t("ui.training.loss")}},
        "template": template("plotly_white"), "height": 360, "margin": {"l": 50, "r": 50, "t": 50, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
    }
    if acc:
        layout["yaxis2"] = {"title": {"text": t("ui.training.accuracy")}, "overlaying": "y", "side": "right",
                            "range": [0, 1], "tickformat": ".0%"}
    return {"data": data, "layout": layout}


def loss_figure(job: Job):
    """The same chart as a `plotly.graph_objects.Figure`."""
    from assistant.ui.charts import figure

    return figure(loss_spec(job))


async def update_chart(job: Job, message, state: dict[str, Any]) -> None:
    """Send or replace the chart under the job's progress message (same element id, so it updates in place)."""
    from assistant.ui.charts import plotly_element

    history = job.result.get("history") or []
    key = chart_key(job)
    if not history or state.get("key") == key:
        return
    element = plotly_element(loss_spec(job), name=f"loss-{job.id}", display="inline", size="large")
    if state.get("id"):
        element.id = state["id"]
    await element.send(for_id=message.id)
    state.update(key=key, id=element.id)
