"""An ECharts chart whose option travels as one JSON string (``echarts.vue``, from solara's).

solara's ``FigureEcharts`` sends the option as a nested dict: reacton walks and compares every
point of it on each render, the kernel packs it, and Vue makes each point reactive in the
browser. Here the option is serialized once (compact, numbers rounded by the views) and the
browser parses it once.
"""

from __future__ import annotations

import json

import ipyvuetify
import solara
import traitlets


class ChartWidget(ipyvuetify.VuetifyTemplate):
    """An ECharts chart drawn from ``option_json`` (an ECharts option as JSON)."""

    template_file = (__file__, "echarts.vue")

    option_json = traitlets.Unicode("{}").tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)
    responsive = traitlets.Bool(False).tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self):
        import solara.settings

        if not solara.settings.assets.proxy:
            return solara.settings.assets.cdn

    @property
    def option(self) -> dict:
        """The option the chart shows (parsed from ``option_json``)."""
        return json.loads(self.option_json)


def option_json(option: dict) -> str:
    """An ECharts option as compact JSON (nan / inf are not allowed: the views send None)."""
    return json.dumps(option, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


@solara.component
def FigureChart(option_text: str, height: str):
    """A chart of the page's width and ``height`` drawing ``option_text`` (from :func:`option_json`)."""
    return ChartWidget.element(option_json=option_text, attributes={"style": f"height: {height}; width: 100%"},
                               responsive=True)
