from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Config, parse_config
from bot.i18n import Catalog, placeholders
from bot.program import DelayPlan, DelayRefusal, effective_program, plan_delay
from cogs.schedule._reminders import Reminder, ReminderPlan
from cogs.schedule._render import (
    DISCORD_EVENT_DESCRIPTION_MAX,
    DISCORD_EVENT_LOCATION_MAX,
    DISCORD_EVENT_NAME_MAX,
    RemindReply,
    ScheduleTexts,
)
from tests.programs import make_config

SEOUL = ZoneInfo("Asia/Seoul")
ROOT = Path(__file__).resolve().parents[3]
CATALOG_FILE = ROOT / "bot" / "locales" / "schedule.toml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def seoul(hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, tzinfo=SEOUL)


def texts(catalog: Catalog, config: Config | None = None) -> ScheduleTexts:
    return ScheduleTexts(config or make_config(), catalog.t)


def reminder(session_id: str, minutes: int, config: Config | None = None) -> Reminder:
    config = config or make_config()
    plan = ReminderPlan.build(effective_program(config), config.reminders.before, 1)
    found = plan.get((session_id, minutes * 60))
    assert found is not None
    return found


# -- catalog file -----------------------------------------------------------------------------------


def test_catalog_file_has_both_languages_and_same_placeholders() -> None:
    data = tomllib.loads(CATALOG_FILE.read_text("utf-8"))
    assert len(data) > 50
    for key, value in data.items():
        assert set(value) == {"ko", "en"}, key
        assert value["ko"].strip(), key
        assert value["en"].strip(), key
        assert placeholders(value["ko"]) == placeholders(value["en"]), key


#: Korean particles change with the word before them (과/와, 이/가, 을/를, 은/는, 으로/로), so none
#: may follow a placeholder (or its quotes, markup or a bracket after it) directly: "{title}과" is
#: wrong for half the titles. Counters are fine: "{minutes}분".
PARTICLE_AFTER_PLACEHOLDER = re.compile(
    r"\{\w+\}['\"*]*(?:\s*\([^)]*\))?(?=[가-힣])(?!분|초|시간|개)"
)


def test_no_korean_particle_depends_on_a_placeholder() -> None:
    data = tomllib.loads(CATALOG_FILE.read_text("utf-8"))
    found = {
        key: match.group(0)
        for key, value in data.items()
        for match in PARTICLE_AFTER_PLACEHOLDER.finditer(value["ko"])
    }
    assert found == {}
    assert PARTICLE_AFTER_PLACEHOLDER.search("'{title}'({end_hm} {zone} 종료)과 겹쳐요")
    assert not PARTICLE_AFTER_PLACEHOLDER.search("{minutes}분 옮겼어요")


def test_command_names_are_valid_and_korean_where_asked() -> None:
    data = tomllib.loads(CATALOG_FILE.read_text("utf-8"))
    names = {k: v for k, v in data.items() if k.startswith("cmd.") and k.endswith(".name")}
    for key, value in names.items():
        for name in value.values():
            assert re.fullmatch(r"[-_\w]{1,32}", name), (key, name)
            assert name == name.lower(), (key, name)
    assert data["cmd.schedule.name"]["ko"] == "일정"
    assert data["cmd.next.name"]["ko"] == "다음"


def test_every_schedule_key_used_in_code_exists(catalog: Catalog) -> None:
    used: set[str] = set()
    pattern = re.compile(r"""["'](schedule\.[a-z0-9_.]+)["']""")
    for path in (ROOT / "cogs" / "schedule").glob("_*.py"):
        used.update(pattern.findall(path.read_text("utf-8")))
    assert len(used) > 40
    assert sorted(k for k in used if not catalog.has(k)) == []


# -- reminders --------------------------------------------------------------------------------------


def test_reminder_names_its_own_session_first_and_mentions_what_follows(catalog: Catalog) -> None:
    message = texts(catalog).reminder(
        reminder("lecture", 30), "ko", late=False, now=seoul(12, 30), role_id=77
    )
    assert message.content == "<@&77> ⏰ **세션 lecture** — 30분 후 시작해요"
    assert message.mention_role_id == 77
    assert message.embed is not None
    embed = message.embed.to_dict()
    assert embed["title"] == "세션 lecture"
    assert embed["url"] == "https://www.youtube.com/@CCEISAY/live"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    start = int(seoul(13).timestamp())
    assert f"<t:{start}:t>" in fields["시간"]
    assert "13:00–13:50 KST" in fields["시간"]
    assert fields["생중계"] == "https://www.youtube.com/@CCEISAY/live"
    assert fields["다음 세션"].startswith("세션 talk-concert")
    assert embed["footer"]["text"] == "행사 · 알림"  # the outbox ends it with the post's marker


def test_reminder_without_role_does_not_ping(catalog: Catalog) -> None:
    message = texts(catalog).reminder(reminder("lecture", 0), "en", late=False, now=seoul(13))
    assert message.content == "🔴 **Session lecture** is starting now!"
    assert message.mention_role_id == 0
    assert "<@" not in message.content


@pytest.mark.parametrize(
    ("minutes", "now", "expected"),
    [
        (30, seoul(12, 40), "⏰ **Session lecture** starts in 20 min (late reminder)"),
        (0, seoul(13, 0), "🔴 **Session lecture** is starting now! (late reminder)"),
        (0, seoul(13, 4), "🔴 **Session lecture** started 4 min ago (late reminder)"),
    ],
)
def test_late_reminders_tell_the_truth_about_now(
    catalog: Catalog, minutes: int, now: datetime, expected: str
) -> None:
    text = texts(catalog).reminder_headline(reminder("lecture", minutes), "en", late=True, now=now)
    assert text == expected


def test_korean_late_marker(catalog: Catalog) -> None:
    text = texts(catalog).reminder_headline(
        reminder("lecture", 10), "ko", late=True, now=seoul(12, 52)
    )
    assert text == "⏰ **세션 lecture** — 8분 후 시작해요 (늦은 알림)"


def test_dm_reminder_has_no_ping_and_a_way_out(catalog: Catalog) -> None:
    message = texts(catalog).dm_reminder(
        reminder("lecture", 10), "en", late=False, now=seoul(12, 50)
    )
    assert message.mention_role_id == 0
    assert message.embed is not None
    assert "/remind dm" in message.embed.footer


def test_durations(catalog: Catalog) -> None:
    t = texts(catalog)
    assert t.duration(timedelta(seconds=45), "ko") == "45초"
    assert t.duration(timedelta(minutes=30), "en") == "30 min"
    assert t.duration(timedelta(minutes=90), "ko") == "1시간 30분"
    assert t.duration(timedelta(hours=2), "en") == "2 h"
    assert t.duration(timedelta(minutes=9, seconds=31), "en") == "10 min"


# -- /schedule and /next ----------------------------------------------------------------------------


def test_agenda_highlights_current_and_marks_next(catalog: Catalog) -> None:
    config = make_config()
    sessions = effective_program(config, {"results": timedelta(minutes=10)})
    embed = texts(catalog, config).agenda(sessions, seoul(14, 30), "en")
    lines = embed.description.splitlines()
    assert lines[0] == "2022-12-15 · Pangyo Startup Zone"
    body = lines[2:]
    assert body[0].startswith("✔️ ")
    assert body[1].startswith("▶️ **")
    assert body[1].endswith("— on now")
    assert "14:00–15:00 KST" in body[1]
    assert f"<t:{int(seoul(14).timestamp())}:t>" in body[1]
    assert body[2].startswith("⏭️ ")
    assert "up next, moved +10 min" in body[2]
    assert "15:20–16:10 KST" in body[2]
    assert body[3].startswith("▫️ ")


def test_next_texts(catalog: Catalog) -> None:
    t = texts(catalog)
    sessions = effective_program(make_config())
    before = t.next_text(sessions, seoul(12, 0), "en")
    assert before.startswith("Next: **Session lecture**")
    assert "in 1 h" in before
    assert "(13:00 KST)" in before
    assert "Watch live: https://www.youtube.com/@CCEISAY/live" in before
    during = t.next_text(sessions, seoul(13, 20), "ko")
    assert during.startswith("지금 진행 중: **세션 lecture** (~13:50 KST)")
    assert "40분 후" in during
    last = t.next_text(sessions, seoul(16, 10), "en")
    assert "the last session today" in last
    assert t.next_text(sessions, seoul(17), "en").startswith("Today's program is over")


# -- delays -----------------------------------------------------------------------------------------


def test_delay_notice_lists_moved_sessions_with_new_times(catalog: Catalog) -> None:
    config = make_config()
    sessions = effective_program(config)
    plan = plan_delay(sessions, seoul(13, 30), 15)
    assert isinstance(plan, DelayPlan)
    after = effective_program(config, plan.apply({}))
    notice = texts(catalog, config).delay_notice(plan, after, "ko")
    assert notice.content == "⏱️ 일정이 15분 늦춰졌어요"
    assert notice.mention_role_id == 0
    assert notice.embed is not None
    lines = notice.embed.description.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("세션 talk-concert: ~~14:00~~ → **14:15** KST")
    earlier = plan_delay(sessions, seoul(12), -5)
    assert isinstance(earlier, DelayPlan)
    assert texts(catalog, config).delay_notice(earlier, sessions, "en").content == (
        "⏱️ The program moves 5 min earlier"
    )
    assert "+15" in texts(catalog, config).delay_done(plan, 2, "en")


@pytest.mark.parametrize(
    ("now", "minutes", "needle"),
    [
        (seoul(12), 0, "0 minutes changes nothing"),
        (seoul(12), 500, "at most 180 minutes"),
        (seoul(16, 10), 5, "nothing left to move"),
        (seoul(13, 55), -20, "by at most 5 minutes"),
        (seoul(13, 30), -15, "overlap 'Session lecture', which runs until 13:50 KST"),
    ],
)
def test_every_refusal_has_a_clear_message(
    catalog: Catalog, now: datetime, minutes: int, needle: str
) -> None:
    refusal = plan_delay(effective_program(make_config()), now, minutes)
    assert isinstance(refusal, DelayRefusal)
    text = texts(catalog).delay_refusal(refusal, "en")
    assert needle in text
    assert text.endswith("Nothing was changed.")
    assert "{" not in texts(catalog).delay_refusal(refusal, "ko")


def test_overlap_refusal_reads_right_in_korean(catalog: Catalog) -> None:
    refusal = plan_delay(effective_program(make_config()), seoul(13, 30), -15)
    assert isinstance(refusal, DelayRefusal)
    text = texts(catalog).delay_refusal(refusal, "ko")
    assert text.startswith(
        "그만큼 당기면 진행 중인 세션과 겹쳐요 ('세션 lecture', 13:50 KST 종료)."
    )
    assert "최대 10분까지" in text


# -- admin and opt-in -------------------------------------------------------------------------------


def test_preview(catalog: Catalog) -> None:
    config = make_config()
    plan = ReminderPlan.build(effective_program(config), config.reminders.before, 1)
    t = texts(catalog, config)
    embed = t.preview(plan.upcoming(seoul(13, 45), 2), "en", paused=True)
    lines = embed.description.splitlines()
    assert lines[0].startswith("⏸️")
    assert "(13:50 KST) · Session talk-concert · 10 min before" in lines[2]
    assert "(14:00 KST) · Session talk-concert · at the start" in lines[3]
    assert t.preview([], "ko", paused=False).description == "남은 알림이 없어요."


def test_remind_replies(catalog: Catalog) -> None:
    t = texts(catalog)
    assert "@알림" in t.remind_reply("on", "ko", role="@알림")
    replies: tuple[RemindReply, ...] = (
        "off",
        "already_off",
        "no_role",
        "cannot_assign",
        "dm_on",
        "dm_off",
        "dm_closed",
    )
    for reply in replies:
        assert "{" not in t.remind_reply(reply, "en")
    assert "Privacy Settings" in t.remind_reply("dm_closed", "en")
    assert t.pause_reply(True, "en").startswith("⏸️")
    assert t.resume_reply(False, "en") == "Reminders are already running."


def test_discord_event_spec_fits_discord_limits(catalog: Catalog) -> None:
    config = make_config()
    spec = texts(catalog, config).discord_event_spec(effective_program(config), "ko")
    assert spec.name == "행사"
    assert spec.location == "https://www.youtube.com/@CCEISAY/live"
    assert spec.start == datetime(2022, 12, 15, 4, tzinfo=UTC)
    assert spec.end == datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
    assert spec.description.startswith("13:00–13:50 세션 lecture")
    assert spec.description.endswith("생중계: https://www.youtube.com/@CCEISAY/live")


def test_discord_event_spec_clips_long_texts(catalog: Catalog) -> None:
    long = "가" * 300
    data = {
        "event": {
            "name": {"ko": long, "en": long},
            "date": "2022-12-15",
            "timezone": "Asia/Seoul",
            "venue": {"ko": long, "en": long},
        },
        "program": [
            {
                "id": f"s{i}",
                "start": f"{10 + i}:00",
                "end": f"{10 + i}:30",
                "title": {"ko": long, "en": long},
            }
            for i in range(6)
        ],
        "youtube": {"video_id": "x" * 150},
    }
    config = parse_config(data, Path("t.toml"))
    spec = texts(catalog, config).discord_event_spec(effective_program(config), "ko")
    assert len(spec.name) <= DISCORD_EVENT_NAME_MAX
    assert len(spec.description) <= DISCORD_EVENT_DESCRIPTION_MAX
    assert len(spec.location) <= DISCORD_EVENT_LOCATION_MAX
    assert spec.description.endswith("x" * 150)  # the link survives, the program lines are cut


def test_embed_to_dict_clips_to_discord_limits(catalog: Catalog) -> None:
    from cogs.schedule._render import EmbedData, EmbedField

    embed = EmbedData("t" * 300, "d" * 5000, tuple(EmbedField("n", "v" * 2000) for _ in range(30)))
    data = embed.to_dict()
    assert len(data["title"]) == 256
    assert len(data["description"]) == 4096
    assert len(data["fields"]) == 25
    assert len(data["fields"][0]["value"]) == 1024
