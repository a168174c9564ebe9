"""The viewers chart is a PNG, also for no samples and for one (which once drew years of ticks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cogs.live._chart import PNG_SIGNATURE, viewers_chart
from cogs.live._state import ViewerSample

T = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)


def test_chart_is_a_png() -> None:
    # A 3.5-hour stream polled every 10 s.
    samples = tuple(
        ViewerSample(T + timedelta(seconds=10 * i), 100 + (i * 37) % 400) for i in range(1260)
    )
    png = viewers_chart(samples, ZoneInfo("Asia/Seoul"), zone_label="KST")
    assert png.startswith(PNG_SIGNATURE)
    assert viewers_chart((), UTC).startswith(PNG_SIGNATURE)
    assert viewers_chart((ViewerSample(T, 7),), UTC).startswith(PNG_SIGNATURE)
