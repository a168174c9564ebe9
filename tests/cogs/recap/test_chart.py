"""The viewer chart: what is drawn (sessions shaded and labelled in Korean, delays, peak) and a PNG."""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest

from bot.config import Config
from bot.i18n import Catalog
from bot.program import effective_program
from cogs.recap._chart import (
    PNG_SIGNATURE,
    ChartLayout,
    chart_figure,
    chart_layout,
    chart_png,
    korean_font_file,
    short_label,
)
from cogs.recap._report import build_report
from cogs.recap._timeline import Mark, day_sessions
from tests.cogs.recap.records import SEOUL, samples, seoul, stream

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def layout_of(config: Config, catalog: Catalog, locale: str = "ko") -> ChartLayout:
    marks = {
        "talk-concert": Mark("talk-concert", "start", seoul(14, 3, 20)),
        "networking": Mark("networking", "skip"),
    }
    day = day_sessions(effective_program(config), marks)
    report = build_report(day, stream(), None, None, ())
    return chart_layout(
        samples(),
        report.sessions,
        stream(),
        SEOUL,
        catalog.t,
        "ko" if locale == "ko" else "en",
        zone_label="KST",
    )


def test_short_labels() -> None:
    assert short_label("강연: 오픈이노베이션, 무엇에 집중해야 하는가?") == "강연"
    assert short_label("성과공유회") == "성과공유회"
    assert (
        short_label("아주 긴 세션 제목이 콜론 없이 계속 이어집니다") == "아주 긴 세션 제목이 콜론…"
    )


def test_layout_shades_each_session_marks_delays_and_the_peak(
    base_config: Config, catalog: Catalog
) -> None:
    layout = layout_of(base_config, catalog)
    assert [b.label for b in layout.bands] == [
        "강연",
        "토크콘서트",
        "성과공유회",
    ]  # networking skipped
    assert [b.shade for b in layout.bands] == [0, 1, 0]
    assert [(b.start, b.end) for b in layout.bands] == [
        (seoul(13).timestamp(), seoul(14, 3, 20).timestamp()),
        (seoul(14, 3, 20).timestamp(), seoul(15, 10).timestamp()),
        (seoul(15, 10).timestamp(), seoul(16).timestamp()),
    ]
    assert [(d.planned, d.actual, d.label) for d in layout.delays] == [
        (seoul(14).timestamp(), seoul(14, 3, 20).timestamp(), "+3분")
    ]
    assert layout.peak is not None
    assert (layout.peak.at, layout.peak.viewers, layout.peak.label) == (
        seoul(14, 18, 30).timestamp(),
        400,
        "최고 400명",
    )
    assert (layout.times[-1], layout.counts[-1]) == (seoul(16, 35).timestamp(), 50)
    assert len(layout.times) == len(samples()) + 1
    assert layout.left == seoul(12, 58, 30).timestamp()
    assert layout.right == seoul(16, 35).timestamp()
    assert (layout.title, layout.ylabel, layout.xlabel) == (
        "동시 시청자 수와 세션",
        "동시 시청자",
        "KST",
    )
    english = layout_of(base_config, catalog, "en")
    assert english.bands[0].label == "Lecture"
    assert english.delays[0].label == "+3 min"


def test_the_figure_draws_one_band_per_session_in_nanum_gothic(
    base_config: Config, catalog: Catalog
) -> None:
    layout = layout_of(base_config, catalog)
    with korean_font_file() as font_file:
        assert font_file is not None
        assert font_file.name == "NanumGothic.ttf"
        figure = chart_figure(layout, font_file)
    axes = figure.axes[0]
    assert len(axes.patches) == len(layout.bands)
    labels = {text.get_text(): text for text in axes.texts}
    assert {"강연", "토크콘서트", "성과공유회", "+3분", "최고 400명"} <= set(labels)
    assert labels["강연"].get_fontproperties().get_name() == "NanumGothic"
    assert axes.get_title() == "동시 시청자 수와 세션"


def test_the_chart_is_a_valid_png_and_leaves_matplotlib_settings_alone(
    base_config: Config, catalog: Catalog
) -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    data = chart_png(layout_of(base_config, catalog))
    assert data.startswith(PNG_SIGNATURE)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1000, 400)
    assert "koreanize_matplotlib" not in sys.modules
    assert dict(matplotlib.rcParams) == before


def test_an_empty_day_still_draws() -> None:
    layout = chart_layout((), (), None, SEOUL, Catalog.load().t, "ko")
    assert layout.bands == ()
    assert layout.peak is None
    assert chart_png(layout).startswith(PNG_SIGNATURE)


def test_matplotlib_is_imported_only_inside_functions() -> None:
    """Start-up never pays for matplotlib: no module of the feature imports it at module level."""
    for path in sorted((ROOT / "cogs" / "recap").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] in ("matplotlib", "PIL")], path.name
