"""The report's picture: concurrent viewers over the day, each session shaded and labelled, delays
and the peak marked.

:func:`chart_layout` decides what is drawn (pure, tested alone); :func:`chart_png` draws it. matplotlib
is imported inside the drawing function (it costs start-up time and is used once, after the stream)
and used through its object API with the Agg canvas: no pyplot global state, safe in a worker thread.
Hangul needs a font matplotlib lacks: NanumGothic from the ``koreanize-matplotlib`` package, loaded by
file for these texts only (importing that package would rewrite matplotlib's global rcParams).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from bot.config import Locale
from bot.services import StreamRecord, ViewerCount
from bot.text import clip
from cogs.recap._report import SessionReport

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FONT_PACKAGE = "koreanize_matplotlib"
FONT_FILE = "NanumGothic.ttf"
#: Alternating session shades, then the line (YouTube red) and the marks.
SHADES = ("#dbe9f6", "#fde7cf")
LINE = "#ff0000"
MARK = "#555555"
LABEL_CHARS = 16
_TICK_STEPS = (60, 300, 600, 900, 1800, 3600, 7200, 14400)
#: A start this far from the configured one is marked as a delay.
DELAY_MARK_SECONDS = 60


class Translate(Protocol):
    def __call__(self, key: str, locale: str, /, **values: object) -> str: ...


@dataclass(frozen=True, slots=True)
class Band:
    """A session's range, in epoch seconds, with its short label."""

    start: float
    end: float
    label: str
    shade: int


@dataclass(frozen=True, slots=True)
class DelayMarker:
    planned: float
    actual: float
    label: str


@dataclass(frozen=True, slots=True)
class PeakMarker:
    at: float
    viewers: int
    label: str


@dataclass(frozen=True, slots=True)
class ChartLayout:
    times: tuple[float, ...]
    counts: tuple[int, ...]
    bands: tuple[Band, ...]
    delays: tuple[DelayMarker, ...]
    peak: PeakMarker | None
    left: float
    right: float
    title: str
    ylabel: str
    xlabel: str
    tz: tzinfo


def short_label(title: str) -> str:
    """The part of a title before its colon (``강연: 오픈이노베이션…`` → ``강연``), clipped."""
    head = title.split(":", 1)[0].strip() or title
    return clip(" ".join(head.split()), LABEL_CHARS)


def tick_step(span_seconds: float) -> int:
    """A round tick spacing giving at most about eight labels."""
    return next((s for s in _TICK_STEPS if span_seconds / s <= 8), _TICK_STEPS[-1])


def chart_layout(
    samples: Sequence[ViewerCount],
    sessions: Sequence[SessionReport],
    stream: StreamRecord | None,
    tz: tzinfo,
    t: Translate,
    locale: Locale,
    *,
    zone_label: str = "",
) -> ChartLayout:
    held = [r for r in sessions if not r.session.skipped]
    bands = tuple(
        Band(
            r.session.start.timestamp(),
            r.until.timestamp(),
            short_label(r.session.title.get(locale)),
            position % len(SHADES),
        )
        for position, r in enumerate(held)
    )
    delays = []
    for report in held:
        late = report.session.late_by.total_seconds()
        if abs(late) >= DELAY_MARK_SECONDS:
            minutes = round(late / 60)
            delays.append(
                DelayMarker(
                    report.session.planned_start.timestamp(),
                    report.session.start.timestamp(),
                    t("recap.chart.delay", locale, minutes=f"{minutes:+d}"),
                )
            )
    times = tuple(s.at.timestamp() for s in samples)
    counts = tuple(s.viewers for s in samples)
    if samples and stream is not None and stream.actual_end is not None:
        end = stream.actual_end.timestamp()
        if end > times[-1]:
            # The last count stands until the stream ends.
            times, counts = (*times, end), (*counts, counts[-1])
    peak = None
    if samples:
        top = max(samples, key=lambda s: s.viewers)
        peak = PeakMarker(
            top.at.timestamp(),
            top.viewers,
            t("recap.chart.peak", locale, viewers=f"{top.viewers:,}"),
        )
    edges: list[float] = [*times, *(b.start for b in bands), *(b.end for b in bands)]
    edges += [d.planned for d in delays]
    if stream is not None:
        edges += [m.timestamp() for m in (stream.actual_start, stream.actual_end) if m is not None]
    left = min(edges, default=0.0)
    right = max(max(edges, default=0.0), left + 60)
    return ChartLayout(
        times=times,
        counts=counts,
        bands=bands,
        delays=tuple(delays),
        peak=peak,
        left=left,
        right=right,
        title=t("recap.chart.title", locale),
        ylabel=t("recap.chart.viewers", locale),
        xlabel=zone_label,
        tz=tz,
    )


@contextmanager
def korean_font_file() -> Iterator[Path | None]:
    """The NanumGothic file shipped in ``koreanize-matplotlib`` (None if it is not installed).

    ``module_from_spec`` gives importlib.resources the package without running it.
    """
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None:
        yield None
        return
    package = importlib.util.module_from_spec(spec)
    resource = importlib.resources.files(package) / "fonts" / FONT_FILE
    if not resource.is_file():
        yield None
        return
    with importlib.resources.as_file(resource) as path:
        yield path


def chart_figure(layout: ChartLayout, font_file: Path | None) -> Any:
    """The matplotlib Figure for ``layout`` (Agg canvas attached)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    font = FontProperties(fname=font_file) if font_file is not None else FontProperties()
    small = font.copy()
    small.set_size(8)
    figure = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    top = max(layout.counts, default=0) * 1.25 + 1
    for band in layout.bands:
        axes.axvspan(band.start, band.end, color=SHADES[band.shade], alpha=0.9, zorder=0)
        axes.text(
            (band.start + band.end) / 2,
            0.97,
            band.label,
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="top",
            fontproperties=font,
            fontsize=9,
            clip_on=True,
        )
    if layout.times:
        # Steps: a count holds until the next poll sees a new one.
        axes.step(layout.times, layout.counts, where="post", color=LINE, linewidth=1.6, zorder=3)
        axes.fill_between(
            layout.times, layout.counts, step="post", color=LINE, alpha=0.12, zorder=2
        )
    for delay in layout.delays:
        axes.axvline(delay.planned, color=MARK, linestyle="--", linewidth=0.8, zorder=1)
        axes.annotate(
            delay.label,
            xy=(delay.actual, 0.84),
            xytext=(delay.planned, 0.84),
            xycoords=axes.get_xaxis_transform(),
            textcoords=axes.get_xaxis_transform(),
            arrowprops={"arrowstyle": "->", "color": MARK},
            ha="right" if delay.actual >= delay.planned else "left",
            va="center",
            fontproperties=small,
            color=MARK,
        )
    if layout.peak is not None:
        axes.plot([layout.peak.at], [layout.peak.viewers], "o", color=LINE, zorder=4)
        axes.annotate(
            layout.peak.label,
            (layout.peak.at, layout.peak.viewers),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontproperties=font,
            fontsize=9,
        )
    axes.set_ylim(bottom=0, top=top)
    axes.set_xlim(layout.left, layout.right)
    axes.xaxis.set_major_locator(MultipleLocator(tick_step(layout.right - layout.left)))
    tz = layout.tz
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: datetime.fromtimestamp(x, tz).strftime("%H:%M"))
    )
    axes.set_title(layout.title, fontproperties=font, fontsize=12)
    axes.set_ylabel(layout.ylabel, fontproperties=font)
    if layout.xlabel:
        axes.set_xlabel(layout.xlabel, fontproperties=font)
    axes.grid(True, axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def chart_png(layout: ChartLayout) -> bytes:
    """The chart as PNG bytes (1000x400)."""
    with korean_font_file() as font_file:
        if font_file is None:
            log.warning(
                "%s is not installed: the chart's Korean labels will not render", FONT_PACKAGE
            )
        figure = chart_figure(layout, font_file)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
