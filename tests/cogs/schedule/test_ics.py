from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar

from bot.config import load_config, parse_config
from bot.program import effective_program
from cogs.schedule._ics import escape_text, fold, ics_filename, program_ics, program_ics_bytes
from tests.programs import make_config

NOW = datetime(2022, 12, 14, 9, 30, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[3]


def events(text: str | bytes) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(text)
    return [c for c in calendar.walk("VEVENT")]


def test_shipped_program_parses_with_icalendar() -> None:
    config = load_config(REPO / "config" / "event.toml")
    sessions = effective_program(config)
    data = program_ics_bytes(config, sessions, now=NOW, version=3)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "PRODID" in calendar
    parsed = events(data)
    assert len(parsed) == len(config.program)
    first = parsed[0]
    assert first["DTSTART"].dt == datetime(2022, 12, 15, 4, 0, tzinfo=UTC)  # 13:00 KST
    assert first["DTEND"].dt == datetime(2022, 12, 15, 4, 50, tzinfo=UTC)
    assert str(first["SUMMARY"]) == config.program[0].title.ko
    assert str(first["URL"]) == "https://www.youtube.com/@CCEISAY/live"
    assert "https://www.youtube.com/@CCEISAY/live" in str(first["DESCRIPTION"])
    assert str(first["LOCATION"]) == config.event.venue.ko
    assert str(first["UID"]) == "lecture-20221215@ccei-companion.invalid"
    assert first["DTSTAMP"].dt == NOW
    assert int(first["SEQUENCE"]) == 3
    assert len({str(e["UID"]) for e in parsed}) == len(parsed)
    assert ics_filename(config) == "ccei-program-20221215.ics"


def test_delayed_sessions_keep_their_uid_with_new_times() -> None:
    config = make_config()
    shifted = effective_program(config, {"results": timedelta(minutes=20)})
    parsed = {
        str(e["UID"]).split("-2022")[0]: e for e in events(program_ics(config, shifted, now=NOW))
    }
    assert parsed["results"]["DTSTART"].dt == datetime(2022, 12, 15, 6, 30, tzinfo=UTC)
    assert parsed["lecture"]["DTSTART"].dt == datetime(2022, 12, 15, 4, 0, tzinfo=UTC)


def test_english_calendar() -> None:
    config = make_config()
    parsed = events(program_ics(config, effective_program(config), now=NOW, locale="en"))
    assert str(parsed[0]["SUMMARY"]) == "Session lecture"
    assert str(parsed[0]["LOCATION"]) == "Pangyo Startup Zone"


def test_crlf_and_line_length() -> None:
    config = make_config()
    text = program_ics(config, effective_program(config), now=NOW)
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75


def test_folding_long_korean_text_on_utf8_boundaries() -> None:
    title = "오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가? " * 6
    description = "창조경제혁신센터; 지역 성과 \\ 발표,\n둘째 줄 " * 10
    data = {
        "event": {
            "name": {"ko": "행사", "en": "Event"},
            "date": "2022-12-15",
            "timezone": "Asia/Seoul",
            "venue": {"ko": "판교", "en": "Pangyo"},
        },
        "program": [
            {
                "id": "talk",
                "start": "14:00",
                "end": "15:00",
                "title": {"ko": title.strip(), "en": "Talk"},
                "description": {"ko": description.strip(), "en": "x"},
                "speakers": {"ko": "홍길동, 김철수", "en": "Hong, Kim"},
            }
        ],
    }
    config = parse_config(data, Path("t.toml"))
    raw = program_ics_bytes(config, effective_program(config), now=NOW)
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # each physical line is valid UTF-8 on its own
    (event,) = events(raw)
    assert str(event["SUMMARY"]) == title.strip()
    assert str(event["DESCRIPTION"]) == "홍길동, 김철수\n" + description.strip()


def test_escape_and_fold_units() -> None:
    assert escape_text("a, b; c\\ d\ne") == "a\\, b\\; c\\\\ d\\ne"
    assert fold("x" * 75) == "x" * 75
    assert fold("x" * 76) == "x" * 75 + "\r\n x"
    folded = fold("가" * 30)  # 90 octets: 25 characters (75) then a space and 5 (16)
    first, second = folded.split("\r\n")
    assert first == "가" * 25
    assert second == " " + "가" * 5
