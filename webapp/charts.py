"""Figures of a footprint result: stages (bars in plain HTML; waterfall), lines (treemap), supply
chain (Sankey), the last three plotly. Pure functions of a
:class:`footprint.results.FootprintResult` and the language.

Why here and not in footprint/: these are screen figures (plotly, interactive); the PDF report
draws its own static charts. Values are the engine's per-line and per-stage numbers as given.

Why the stage bars are HTML: they are the first chart of the results screen, drawn on every
press of Calculate. As a plotly figure, the first press had the browser load and run plotly's
4.7 MB library (over a second on a 2-core machine) and each later one redraw the figure; a few
styled boxes are drawn at once. The charts behind a choice or another tab stay plotly.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

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


def stage_bars(result, stage_name: Text, t: Text) -> str:
    """The stages as a table of horizontal bars in HTML (``st.html``), largest on top: name, bar
    from zero (a negative stage to the left of a zero line), kg CO2e (4 significant figures) and
    share of the total; the exact value in each row's tooltip."""
    stages = sorted(_stages(result), key=lambda item: -item[1])
    total = result.total_kgco2e
    low = min([0.0, *(value for _, value in stages)])
    high = max([0.0, *(value for _, value in stages)])
    span = (high - low) or 1.0
    zero = -low / span * 100
    row = "display:flex;align-items:center;gap:0.75rem;padding:0.25rem 0"
    name, number = "flex:0 0 11rem", "flex:0 0 5rem;text-align:right;font-variant-numeric:tabular-nums"
    rows = [
        f'<div style="{row};font-size:0.85rem;opacity:0.7;border-bottom:1px solid rgba(128,128,128,0.3)">'
        f'<span style="{name}">{escape(t("table.stage"))}</span><span style="flex:1"></span>'
        f'<span style="{number}">kg CO2e</span><span style="{number}">{escape(t("table.share"))}</span></div>'
    ]
    for stage, value in stages:
        left = zero + min(value, 0.0) / span * 100
        axis = f'<span style="position:absolute;left:{zero:.3f}%;top:-0.25rem;bottom:-0.25rem;border-left:1px solid #999"></span>' if low < 0 else ""
        rows.append(
            f'<div title="{escape(f"{stage_name(stage)}: {significant(value, 4)} kg CO2e")}" style="{row}">'
            f'<span style="{name}">{escape(stage_name(stage))}</span>'
            f'<span style="flex:1;position:relative;height:1.5rem">{axis}'
            f'<span style="position:absolute;left:{left:.3f}%;width:{abs(value) / span * 100:.3f}%;height:100%;'
            f'background:{STAGE_COLOURS.get(stage, "#888")};border-radius:2px"></span></span>'
            f'<span style="{number}">{significant(value, 4)}</span>'
            f'<span style="{number}">{value / total if total else 0.0:.1%}</span></div>'
        )
    return (
        f'<figure role="img" aria-label="{escape(t("chart.by_stage"))}" style="margin:0.25rem 0 1rem;font-family:{FONT}">'
        f'<figcaption style="font-size:1.05rem;margin-bottom:0.5rem">{escape(t("chart.by_stage"))}</figcaption>'
        + "".join(rows)
        + "</figure>"
    )


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
