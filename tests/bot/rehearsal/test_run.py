"""``ccei-bot rehearse``: the whole day against the built-in stand-in, every post printed once."""

from __future__ import annotations

import io
import re

from bot.config import Config
from bot.rehearsal.run import rehearse

#: A reminder names its session in bold, then a dash: "⏰ **강연: …** — 30분 후 시작해요".
REMINDER = re.compile(r"\*\*([^*]+)\*\* — ")


async def test_the_compressed_day_prints_every_reminder_once_in_order(
    base_config: Config,
) -> None:
    out = io.StringIO()
    # 2400x: the 4 h 10 min afternoon in ~6 s, the first reminder 3 s after start (a cold start on
    # a busy machine takes up to ~2 s; a later first reminder would be skipped as too late), and
    # 10 minutes between reminders are still 0.25 s apart in real time.
    code = await rehearse(base_config, speed=2400, out=out, lead_seconds=3.0)
    assert code == 0
    text = out.getvalue()
    assert text.startswith("Rehearsal: 2022 창조경제혁신센터 공동 오픈이노베이션 at 2400x speed")
    assert text.rstrip().endswith("Rehearsal finished.")
    reminder_lines = [
        line
        for line in text.splitlines()
        if "#announce" in line and "(edited)" not in line and REMINDER.search(line)
    ]
    # 4 sessions x 3 reminders (30 min, 10 min, at the start), each printed once. (Whether each is
    # on time is the benchmark's business: at 2400x a busy machine makes some "late".)
    assert len(reminder_lines) == 12, text
    titles = [REMINDER.search(line).group(1) for line in reminder_lines]  # type: ignore[union-attr]
    assert titles == [t for item in base_config.program for t in [item.title.ko] * 3]
    # Event times are printed in KST and run forward.
    stamps = [line[1:9] for line in reminder_lines]
    assert stamps == sorted(stamps)
    assert stamps[0].startswith("12:3")
    # The stream plays too: announced, live (edited with viewers), ended with a summary.
    assert "생중계가 <t:1671076800:F>" in text
    assert "지금 생중계 중이에요!" in text
    assert "생중계가 종료됐어요" in text
    assert "생중계 요약" in text
    # The day closes with the replay post, the organisers' report and the chapters.
    replay = [line for line in text.splitlines() if "다시보기가 올라왔어요!" in line]
    assert len(replay) == 1
    assert "#announce" in replay[0]
    assert "• 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?: " in replay[0]
    assert "<https://youtu.be/rehearsal01?t=3600>" in replay[0]
    report = [line for line in text.splitlines() if "행사 보고서예요" in line]
    assert len(report) == 1
    assert "#audit" in report[0]
    assert "**생중계** 13:00–16:30 KST (3시간 30분)" in report[0]
    assert "[files: viewer-chart.png, viewer-samples.csv, questions-asked.csv]" in report[0]
    chapters = text[text.index("/admin chapters (moderator, private):") :]
    assert (
        "    0:00 강연: 오픈이노베이션, 무엇에 집중해야 하는가?\n"
        "    1:00:00 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?\n"
        "    2:10:00 성과공유회\n"
        "    3:00:00 네트워킹\n"
    ) in chapters
