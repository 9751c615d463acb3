"""Charts for the support desk, drawn server-side by pygal as inline SVG.

The portal's Content-Security-Policy allows no inline scripts and no inline styles, so the
SVG carries neither: pygal's scripts are off (``js=[]``), and an XML filter takes out the
``<script>`` and ``<style>`` elements and ``style=`` attributes pygal still writes. The
chart's look comes from ``static/css/desk-dashboard.css``, which styles pygal's class names
(``.pygal-chart``, ``.axis``, ``.guide``, ``.color-N``...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pygal
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pygal.graph.graph import Graph

INLINE_CODE = {"script", "style"}


def strip_inline_code(root: Element) -> Element:
    """Remove what a strict CSP blocks anyway: ``<script>`` and ``<style>`` elements (pygal
    writes its configuration as a script even with ``js=[]``), ``style=`` attributes, and the
    tooltip layer only pygal's script would use. An XML filter for any pygal chart."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag in INLINE_CODE or "tooltip-overlay" in (child.get("class") or "").split():
                parent.remove(child)
        if "style" in parent.attrib:
            del parent.attrib["style"]
    if not root.get("id"):
        # pygal leaves an empty id with no_prefix; an empty id is not valid HTML.
        root.attrib.pop("id", None)
    return root


def _render(chart: Graph) -> SafeString:
    """The chart as inline SVG without script or style, with an accessible role.

    Every text in it (title, labels, series names) is escaped by the XML serializer.
    """
    chart.add_xml_filter(strip_inline_code)
    svg = chart.render(is_unicode=True)
    # The root gets an accessible role; its <title> names the chart.
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return mark_safe(svg)  # noqa: S308 - built by pygal's XML serializer, which escapes text


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[int | None]],
    width: int = 900,
    height: int = 320,
    no_data_text: str = "No tickets",
    legend_columns: int | None = None,
) -> SafeString:
    """An SVG line chart, one line per series, ready to put in a template."""
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        no_prefix=True,
        width=width,
        height=height,
        title=title,
        show_dots=True,
        dots_size=2.5,
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(x_labels) // 8),
        truncate_label=-1,
        truncate_legend=-1,
        include_x_axis=True,
        min_scale=4,
        legend_at_bottom=True,
        legend_at_bottom_columns=legend_columns or max(1, len(series)),
        margin=16,
        show_legend=True,
        print_values=False,
        allow_interruptions=True,
        no_data_text=no_data_text,
    )
    chart.x_labels = list(x_labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _render(chart)


def bar_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[int | float | None]],
    horizontal: bool = False,
    width: int = 900,
    height: int = 320,
    no_data_text: str = "No data",
) -> SafeString:
    """An SVG bar chart, one bar per label and series (side by side), ready for a template.

    ``horizontal`` draws the bars from the left, which suits long labels (operating systems,
    reasons); the first label is then at the top. With one series the legend is left out: the
    title names it.
    """
    chart_class = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = chart_class(
        js=[],
        disable_xml_declaration=True,
        no_prefix=True,
        width=width,
        height=height,
        title=title,
        x_label_rotation=0,
        truncate_label=-1,
        truncate_legend=-1,
        include_x_axis=True,
        min_scale=4,
        legend_at_bottom=True,
        legend_at_bottom_columns=max(1, len(series)),
        margin=16,
        show_legend=len(series) > 1,
        print_values=False,
        no_data_text=no_data_text,
    )
    # pygal draws horizontal bars from the bottom up; reversed, the list reads top down.
    order = slice(None, None, -1) if horizontal else slice(None)
    chart.x_labels = list(x_labels)[order]
    for name, values in series.items():
        chart.add(name, list(values)[order])
    return _render(chart)
