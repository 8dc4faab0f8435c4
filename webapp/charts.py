"""Plotly figures of a footprint result: stages (bar / waterfall), lines (treemap), supply chain
(Sankey). Pure functions of a :class:`footprint.results.FootprintResult` and the language.

Why here and not in footprint/: these are screen figures (plotly, interactive); the PDF report
draws its own static charts. Values are the engine's per-line and per-stage numbers as given.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from footprint.dataset import STAGES
from footprint.reports.numbers import significant

STAGE_COLOURS = {
    "raw_materials": "#2E7D6B",
    "purchased_parts": "#4C9A8A",
    "manufacturing_energy": "#E0A030",
    "process_emissions": "#C8553D",
    "inbound_transport": "#5B7DB1",
    "packaging": "#8E7DBE",
    "production_waste": "#8C8C8C",
    "distribution": "#4C9A9A",
    "use": "#D9A441",
    "end_of_life": "#6B4F3A",
}
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

Text = Callable[..., str]


def _layout(figure: go.Figure, height: int = 380) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": FONT, "size": 13},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def _stages(result) -> list[tuple[str, float]]:
    return [(stage, result.by_stage[stage]) for stage in STAGES if stage in result.by_stage]


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stage_bar(result, stage_name: Text, t: Text) -> go.Figure:
    """Horizontal bars, one per stage, largest contribution on top."""
    stages = sorted(_stages(result), key=lambda item: item[1])
    figure = go.Figure(
        go.Bar(
            x=[value for _, value in stages],
            y=[stage_name(stage) for stage, _ in stages],
            orientation="h",
            marker_color=[STAGE_COLOURS.get(stage, "#888") for stage, _ in stages],
            text=[significant(value, 3) for _, value in stages],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.4~r} kg CO2e<extra></extra>",
        )
    )
    figure.update_layout(title=t("chart.by_stage"), xaxis_title=t("chart.kg_axis"))
    return _layout(figure, height=max(260, 60 + 42 * len(stages)))


def stage_waterfall(result, stage_name: Text, t: Text) -> go.Figure:
    """Stages adding up to the total (a negative stage steps down)."""
    stages = _stages(result)
    figure = go.Figure(
        go.Waterfall(
            x=[stage_name(stage) for stage, _ in stages] + [t("chart.total")],
            y=[value for _, value in stages] + [result.total_kgco2e],
            measure=["relative"] * len(stages) + ["total"],
            text=[significant(value, 3) for _, value in stages] + [significant(result.total_kgco2e, 3)],
            textposition="outside",
            connector={"line": {"color": "#bbb"}},
            increasing={"marker": {"color": "#E0A030"}},
            decreasing={"marker": {"color": "#2E7D6B"}},
            totals={"marker": {"color": "#1F4E79"}},
        )
    )
    figure.update_layout(title=t("chart.waterfall"), yaxis_title=t("chart.kg_axis"), showlegend=False)
    return _layout(figure, height=420)


def net_lines(result) -> list:
    """The result's lines with each Circular Footprint Formula row (``line.cff``) folded into the
    line it corrects: a chart of parts shows a credit where it belongs instead of dropping it
    (charts cannot draw negative parts) or drawing the row as a sub-assembly of its line."""
    from dataclasses import replace

    corrections: dict[str, float] = {}
    for line in result.lines:
        if getattr(line, "cff", None):
            corrections[line.cff["line"]] = corrections.get(line.cff["line"], 0.0) + line.kgco2e
    if not corrections:
        return list(result.lines)
    return [replace(line, kgco2e=line.kgco2e + corrections.get(line.path, 0.0)) for line in result.lines if not getattr(line, "cff", None)]


def line_treemap(result, stage_name: Text, line_name: Callable[[object], str], t: Text) -> go.Figure:
    """Stage → line rectangles sized by contribution (lines below zero are left out of the
    areas and listed in the line table instead)."""
    ids, labels, parents, values, colours = ["total"], [t("chart.total")], [""], [0.0], ["#ffffff"]
    for stage, value in _stages(result):
        if value <= 0:
            continue
        ids.append(stage)
        labels.append(stage_name(stage))
        parents.append("total")
        values.append(0.0)
        colours.append(STAGE_COLOURS.get(stage, "#888"))
    for line in net_lines(result):
        if line.kgco2e <= 0 or line.stage not in ids:
            continue
        ids.append(f"{line.stage}/{line.path}")
        labels.append(_short(line_name(line)))
        parents.append(line.stage)
        values.append(line.kgco2e)
        colours.append(STAGE_COLOURS.get(line.stage, "#888"))
    figure = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="remainder",
            marker={"colors": colours},
            texttemplate="%{label}<br>%{value:,.3~r}",
            hovertemplate="%{label}: %{value:,.4~r} kg CO2e<extra></extra>",
        )
    )
    figure.update_layout(title=t("chart.treemap"))
    return _layout(figure, height=460)


def supply_chain_sankey(result, stage_name: Text, line_name: Callable[[object], str], t: Text, limit: int = 25) -> go.Figure:
    """Lines → sub-assemblies → stages → product; the smallest lines are grouped as "other"."""
    lines = sorted((line for line in net_lines(result) if line.kgco2e > 0), key=lambda line: -line.kgco2e)
    shown, rest = lines[:limit], lines[limit:]
    nodes: dict[str, int] = {}
    labels: list[str] = []
    colours: list[str] = []

    def node(key: str, label: str, colour: str) -> int:
        if key not in nodes:
            nodes[key] = len(labels)
            labels.append(label)
            colours.append(colour)
        return nodes[key]

    product = node("product", f"{t('chart.product')}: {_short(result.product or '—', 24)}", "#1F4E79")
    links: dict[tuple[int, int], float] = {}

    def link(source: int, target: int, value: float) -> None:
        links[(source, target)] = links.get((source, target), 0.0) + value

    for line in shown:
        colour = STAGE_COLOURS.get(line.stage, "#888")
        stage = node(f"stage:{line.stage}", stage_name(line.stage), colour)
        parts = line.path.split("/")
        source = node(f"line:{line.path}", _short(f"{parts[-1]} · {line_name(line)}", 26), colour)
        for depth in range(len(parts) - 1, 0, -1):  # up through the sub-assemblies
            parent = node(f"assembly:{'/'.join(parts[:depth])}", parts[depth - 1], "#6B8E9E")
            link(source, parent, line.kgco2e)
            source = parent
        link(source, stage, line.kgco2e)
    for line in rest:
        stage = node(f"stage:{line.stage}", stage_name(line.stage), STAGE_COLOURS.get(line.stage, "#888"))
        other = node(f"other:{line.stage}", t("chart.other_lines"), "#BBBBBB")
        link(other, stage, line.kgco2e)
    for stage_key, index in list(nodes.items()):
        if stage_key.startswith("stage:"):
            link(index, product, _inflow(links, index))
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": colours, "pad": 14, "thickness": 16, "line": {"width": 0}},
            link={
                "source": [s for s, _ in links],
                "target": [d for _, d in links],
                "value": list(links.values()),
                "color": [_transparent(colours[s]) for s, _ in links],
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,.4~r} kg CO2e<extra></extra>",
            },
        )
    )
    figure.update_layout(title=t("chart.sankey"))
    return _layout(figure, height=max(420, 22 * len(labels)))


def _transparent(colour: str, alpha: float = 0.35) -> str:
    """"#2E7D6B" → "rgba(46,125,107,0.35)" (links take the colour of where they come from)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _inflow(links: dict[tuple[int, int], float], index: int) -> float:
    return sum(value for (_, target), value in links.items() if target == index)
