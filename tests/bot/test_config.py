"""Config validation: the shipped file is valid, and every kind of mistake names file, key and problem."""

from __future__ import annotations

import copy
import re
import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    ConfigError,
    default_config_path,
    format_duration,
    load_config,
    parse_config,
    parse_duration,
    wall_time_warnings,
)

FILE = Path("event.toml")


@pytest.fixture
def good() -> dict[str, Any]:
    return tomllib.loads(default_config_path().read_text("utf-8"))


def problems_for(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, FILE)
    return caught.value.problems


def test_shipped_config_describes_the_seed_event() -> None:
    config = load_config(default_config_path())
    assert config.event.date.isoformat() == "2022-12-15"
    assert config.tz == ZoneInfo("Asia/Seoul")
    assert "6층" in config.event.venue.ko
    assert config.starts_at == datetime(2022, 12, 15, 13, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    assert config.ends_at == datetime(2022, 12, 15, 16, 30, tzinfo=ZoneInfo("Asia/Seoul"))
    ids = [item.id for item in config.program]
    assert ids == ["lecture", "talk-concert", "results", "networking"]
    assert config.reminders.before == (timedelta(minutes=30), timedelta(minutes=10), timedelta(0))
    assert config.reminders.ping == (timedelta(minutes=10),)
    assert config.youtube.channel.startswith("@")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["event"].update(date="15.12.2022"), "event.date: cannot read date"),
        (lambda d: d["event"].update(date="2022-02-30"), "event.date: '2022-02-30' is not a valid"),
        (lambda d: d["event"].update(timezone="Asia/Pangyo"), "event.timezone: unknown time zone"),
        (lambda d: d["program"][1].update(start="2pm"), "program[1].start: cannot read time"),
        (lambda d: d["program"][1].update(end="24:10"), "program[1].end: '24:10' is not a valid"),
        (
            lambda d: d["program"][2].update(end="15:00"),
            "program[2].end: end 15:00:00 must be after",
        ),
        (lambda d: d["program"][1].update(start="13:40"), "program[1].start: overlaps program[0]"),
        (
            lambda d: d["program"][2].update(start="12:00", end="12:30"),
            "program[2].start: sessions must be in order",
        ),
        (lambda d: d["program"][3].update(id="lecture"), "program[3].id: duplicate id 'lecture'"),
        (
            lambda d: d["program"][0]["title"].pop("en"),
            "program[0].title.en: required key is missing",
        ),
        (lambda d: d["event"]["name"].update(ko=""), "event.name.ko: text must not be empty"),
        (
            lambda d: d["reminders"].update(before=["30 min"]),
            "reminders.before[0]: cannot read duration",
        ),
        (lambda d: d["reminders"].update(grace="soon"), "reminders.grace: cannot read duration"),
        (
            lambda d: d["youtube"].update(poll_active="0s"),
            "youtube.poll_active: must be longer than zero",
        ),
        (lambda d: d["youtube"].update(poll_idle=-5), "youtube.poll_idle: cannot read duration"),
        (
            lambda d: d["youtube"].update(pol_active="10s"),
            "youtube.pol_active: unknown key (typo?)",
        ),
        (lambda d: d.update(programme=[]), "programme: unknown key (typo?)"),
        (lambda d: d["discord"].update(locale="jp"), "discord.locale:"),
        (
            lambda d: d["youtube"].update(channel="CCEI SAY"),
            "youtube.channel: 'CCEI SAY' is neither",
        ),
    ],
)
def test_each_mistake_is_named(good: dict[str, Any], mutate: Any, expected: str) -> None:
    data = copy.deepcopy(good)
    data.pop("include", None)
    mutate(data)
    problems = problems_for(data)
    assert any(line.startswith(f"{FILE}: {expected}") for line in problems), problems


def test_all_problems_reported_at_once(good: dict[str, Any]) -> None:
    data = copy.deepcopy(good)
    data.pop("include", None)
    data["event"]["timezone"] = "Nowhere/Land"
    data["youtube"]["poll_active"] = "fast"
    assert len(problems_for(data)) == 2


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[event\nname = 1", "utf-8")
    with pytest.raises(ConfigError, match=r"broken.toml: \(file\): invalid TOML"):
        load_config(broken)


def test_included_files_are_merged_and_checked(tmp_path: Path) -> None:
    main = default_config_path().read_text("utf-8")
    (tmp_path / "event.toml").write_text(main, "utf-8")
    (tmp_path / "faq.toml").write_text(
        '[[faq]]\nid = "Bad Id"\nquestion = { ko = "q", en = "q" }\nanswer = { ko = "a", en = "a" }\n',
        "utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "event.toml")
    assert any("faq[" in line and ".id: id 'Bad Id'" in line for line in caught.value.problems)
    (tmp_path / "faq.toml").unlink()
    with pytest.raises(ConfigError, match=re.escape("include: included file 'faq.toml' not found")):
        load_config(tmp_path / "event.toml")


def test_faq_synonym_mistakes_name_the_faq_file(tmp_path: Path) -> None:
    (tmp_path / "event.toml").write_text(default_config_path().read_text("utf-8"), "utf-8")
    faq = tmp_path / "faq.toml"
    faq.write_text(
        '[faq_synonyms]\n"한국전력" = ["한전", ""]\n"한국 전력" = ["kepco"]\n"삼성" = ["한전"]\n',
        "utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "event.toml")
    assert f"{faq}: faq_synonyms.한국전력[1]: text must not be empty" in caught.value.problems
    faq.write_text('[faq_synonyms]\n"한국 전력" = ["kepco"]\n"삼성" = ["KEPCO"]\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "event.toml")
    assert caught.value.problems == [
        f"{faq}: faq_synonyms.한국 전력: must be one word (join words with '-', e.g. \"talk-concert\")",
        f"{faq}: faq_synonyms.삼성[0]: 'KEPCO' is already a spelling of '한국 전력': it can mean only one word",
    ]


def test_seconds_resolution_for_compressed_programs(good: dict[str, Any]) -> None:
    data = copy.deepcopy(good)
    data.pop("include", None)
    data["program"][0].update(start="13:00:05", end="13:00:30")
    config = parse_config(data, FILE)
    assert config.program[0].start == time(13, 0, 5)


@pytest.mark.parametrize(
    ("text", "seconds"), [("0s", 0), ("45s", 45), ("10m", 600), ("1h30m", 5400), ("2h", 7200)]
)
def test_durations_round_trip(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert format_duration(parse_duration(text)) == text


def test_times_that_daylight_saving_skips_are_refused(good: dict[str, Any]) -> None:
    data = copy.deepcopy(good)
    data.pop("include", None)
    data["event"].update(date="2026-03-08", timezone="America/New_York")
    data["program"][0].update(start="02:30", end="03:30")
    data["program"][1].update(start="03:40", end="04:00")
    data["program"][2].update(start="04:10", end="05:00")
    data["program"][3].update(start="05:10", end="05:30")
    assert problems_for(data) == [
        f"{FILE}: program[0].start: 02:30 does not exist on 2026-03-08 in America/New_York "
        "(the clocks jump forward)"
    ]


def test_times_that_daylight_saving_repeats_are_a_warning(good: dict[str, Any]) -> None:
    data = copy.deepcopy(good)
    data.pop("include", None)
    data["event"].update(date="2026-11-01", timezone="America/New_York")
    data["program"][0].update(start="01:10", end="01:50")
    config = parse_config(data, FILE)
    assert wall_time_warnings(config) == [
        "program[0].start: 01:10 happens twice on 2026-11-01 in America/New_York "
        "(the clocks fall back); the first one is used",
        "program[0].end: 01:50 happens twice on 2026-11-01 in America/New_York "
        "(the clocks fall back); the first one is used",
    ]
    # The first of the two 01:10s is EDT (UTC-4).
    assert config.at(config.program[0].start).utcoffset() == timedelta(hours=-4)


def test_ping_offsets_must_be_reminder_offsets(good: dict[str, Any]) -> None:
    data = copy.deepcopy(good)
    data.pop("include", None)
    data["reminders"].update(ping=["5m"])
    assert problems_for(data) == [f"{FILE}: reminders.ping[0]: 5m is not one of reminders.before"]
    data["reminders"].update(ping=["10m", "0s"])
    config = parse_config(data, FILE)
    assert config.reminders.pings_at(timedelta(minutes=10))
    assert not config.reminders.pings_at(timedelta(minutes=30))
