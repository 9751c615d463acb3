"""The trend chart of the survey report: pygal's SVG, without any script or inline style.

The site's Content-Security-Policy allows neither inline scripts nor inline styles, so the SVG
goes into the page without pygal's <script> and <style> elements (and without the tooltip layer
only its script would use); the same chart's CSS is served as a stylesheet of its own
(``trend_chart_css``), and its selectors match because the chart's id is fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from portal.core.charts import strip_inline_code
from surveys.selectors import ReportRow

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

CHART_ID = "survey-trend"

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2533",
    foreground_strong="#1d2533",
    foreground_subtle="#d8dde6",
    colors=("#0b5cad", "#1d7a46"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
)


def _labelled(title: str) -> Callable[[Element], Element]:
    def label(tree: Element) -> Element:
        tree.set("role", "img")
        tree.set("aria-label", title)
        return tree

    return label


def _chart(rows: Sequence[ReportRow]) -> pygal.Line:
    chart = pygal.Line(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=360,
        range=(1, 5),
        secondary_range=(0, 100),
        y_labels=[1, 2, 3, 4, 5],
        show_minor_x_labels=True,
        x_label_rotation=0,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        dots_size=4,
        stroke_style={"width": 3},
        allow_interruptions=True,
        print_values=False,
        margin=16,
    )
    chart.uuid = CHART_ID  # fixed, so the stylesheet's selectors match
    chart.title = _("Average rating and response rate per month")
    chart.x_labels = [row.label for row in rows]
    chart.add(
        _("Average rating (1 to 5, left axis)"),
        [round(row.average, 2) if row.average is not None else None for row in rows],
    )
    chart.add(
        _("Response rate (%, right axis)"),
        [round(row.response_rate, 1) if row.response_rate is not None else None for row in rows],
        secondary=True,
    )
    chart.add_xml_filter(strip_inline_code)
    chart.add_xml_filter(_labelled(chart.title))
    return chart


def trend_chart_svg(rows: Sequence[ReportRow]) -> SafeString:
    """The monthly trend as inline SVG markup (pygal's own output, nothing of ours inside)."""
    svg = _chart(rows).render(is_unicode=True)
    return mark_safe(svg)  # noqa: S308 - pygal escapes every label and value it writes


def trend_chart_css() -> str:
    """The CSS pygal writes into the chart, for a stylesheet the page links to."""
    chart = _chart([])
    chart.xml_filters = []
    tree = chart.render_tree()
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.endswith("style"):
            return element.text or ""
    return ""
