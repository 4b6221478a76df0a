"""Plotly charts for the chat, written straight as plotly.js JSON.

`cl.Plotly` takes a `plotly.graph_objects.Figure`: building one validates every property and copies the named
template (about 20-50 ms for the small `/status` chart), and it runs on the event loop every chat shares. The figures
here are plain dicts (`{"data": [...], "layout": {...}}`, the JSON the browser's plotly.js reads) sent by a Plotly
element that takes them as they are; the template is expanded once per process.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import chainlit as cl
from chainlit.element import Element


@lru_cache(maxsize=4)
def template(name: str = "plotly_white") -> dict[str, Any]:
    """A named Plotly template as plotly.js JSON (what `go.Figure(template=name)` writes into its JSON)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    return json.loads(pio.to_json(go.Figure(layout={"template": name})))["layout"]["template"]


def figure(spec: dict[str, Any]):
    """A `go.Figure` of a spec (tests and callers that want the object; not the chat's path)."""
    import plotly.graph_objects as go

    return go.Figure(spec)


class PlotlyJSON(cl.Plotly):
    """Chainlit's Plotly element with `content` already plotly.js JSON (`figure` unused)."""

    def __post_init__(self) -> None:
        self.mime = "application/json"
        Element.__post_init__(self)  # what cl.Plotly's own does after it has serialized the figure


def plotly_element(spec: dict[str, Any], **kwargs: Any) -> cl.Plotly:
    """A Plotly element of a spec, sized by the page as Chainlit does (autosize, no width)."""
    layout = {k: v for k, v in (spec.get("layout") or {}).items() if k != "width"}
    content = json.dumps({"data": spec.get("data") or [], "layout": {**layout, "autosize": True}},
                         ensure_ascii=False, separators=(",", ":"))
    return PlotlyJSON(content=content, **kwargs)
