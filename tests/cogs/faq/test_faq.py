"""/faq end to end: answers in the asker's language, autocomplete, "did you mean", no match, cooldown
and the error-id message. (The question table is checked on the service: tests/cogs/faq/test_service.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Config
from bot.program import Session, effective_program
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.run import StandInBot
from bot.store import Store
from cogs.faq._store import FaqStore, UsageBatch

from .conftest import ask_faq, button_ids, buttons


async def test_answers_come_in_the_askers_language(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    _, korean = await ask_faq(standin, "member", "장소가 어디예요?", "ko")
    assert "행사 장소가 어디인가요?" in korean
    assert "6층" in korean
    _, english = await ask_faq(standin, "member2", "장소가 어디예요?", "en-US")
    assert "Where is the venue?" in english
    assert "6th floor" in english


@pytest.mark.parametrize(
    ("typed", "locale", "expected"),
    [
        ("", "ko", None),
        ("생중", "ko", "watch"),
        ("stre", "en-US", "watch"),
        ("where is the venue " * 300, "en-US", None),
        ("가" * 5000, "ko", None),
    ],
    ids=["empty", "korean", "english", "very-long", "very-long-korean"],
)
async def test_autocomplete_stays_within_discords_limits(
    running: StandInBot, standin: DiscordStandIn, typed: str, locale: str, expected: str | None
) -> None:
    handle = await standin.autocomplete(
        "member", name="faq", options={"question": typed}, focused="question", locale=locale
    )
    await handle.response()
    choices = handle.choices
    assert choices is not None
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100
        assert 1 <= len(choice["value"]) <= 100
    if typed == "":
        assert len(choices) == 25  # the first entries, as a menu
    if expected is not None:
        assert choices[0]["value"] == expected
        label = "온라인으로 어디서 볼 수 있나요?" if locale == "ko" else "How can I watch online?"
        assert choices[0]["name"] == label


async def test_an_autocomplete_choice_answers_that_entry(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    handle, text = await ask_faq(standin, "member2", "watch", "en-US")  # the choice's value
    assert not handle.ephemeral
    assert "youtube.com" in text


async def test_did_you_mean_buttons_answer_with_the_picked_entry(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    handle, text = await ask_faq(standin, "member", "삼성이랑 하는 프로그램", "ko")
    assert handle.ephemeral
    assert "혹시 이 중에 있나요?" in text
    member = standin.users["member"].id
    offered = button_ids(handle.original)
    assert 2 <= len(offered) <= 3
    assert f"faq:pick:daegu:{member}" in offered  # the choices belong to the one who asked
    assert all(1 <= len(b["label"]) <= 80 for b in buttons(handle.original))

    # Someone else pressing them is told so, privately and in their language; nothing changes.
    other = await standin.click(
        "member2", handle.original, f"faq:pick:daegu:{member}", locale="en-US"
    )
    refusal = await other.response()
    assert other.ephemeral
    expected = running.bot.services.t("errors.not_your_button", "en")
    assert message_text(refusal["data"]) == expected
    assert button_ids(handle.original) == offered

    click = await standin.click("member", handle.original, f"faq:pick:daegu:{member}", locale="ko")
    reply = await click.response()
    assert reply["type"] == 7  # the "did you mean" message turns into the answer
    answer = message_text(reply["data"])
    assert "C-Lab 3.0" in answer
    assert "삼성전자" in answer
    assert button_ids(handle.original) == []
    assert (await running.bot.services.status_sources["faq"].top_used())[0] == ("daegu", 1)


async def test_no_match_lists_the_topics_and_is_recorded(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    handle, korean = await ask_faq(standin, "member", "주차 가능한가요?", "ko")
    assert handle.ephemeral
    assert "'주차 가능한가요?'에 맞는 답을 아직 찾지 못했어요" in korean
    assert "• 행사는 언제 열리나요?" in korean
    assert "• 행사 장소가 어디인가요?" in korean

    handle, english = await ask_faq(standin, "member2", "Is there parking?", "en-US")
    assert handle.ephemeral
    assert "You can ask about:" in english
    assert "• When is the event?" in english

    stats = await standin.slash(
        "moderator", name="admin", group="faq", subcommand="stats", locale="en-US"
    )
    text = message_text((await stats.response())["data"])
    assert "주차 가능한가요?" in text
    assert "Is there parking?" in text


async def test_one_viewer_cannot_make_the_bot_spam(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    for _ in range(5):
        handle, _text = await ask_faq(standin, "member", "장소가 어디예요?", "ko")
        assert not handle.ephemeral
    handle, text = await ask_faq(standin, "member", "장소가 어디예요?", "ko")
    assert handle.ephemeral
    assert "잠시 후에 다시 해 주세요" in text
    other, _text = await ask_faq(standin, "member2", "장소가 어디예요?", "en-US")
    assert not other.ephemeral  # the limit is per user


async def test_an_error_in_the_cog_shows_an_error_id_not_a_traceback(
    running: StandInBot, standin: DiscordStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = running.bot.services.status_sources["faq"]

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    weak, _text = await ask_faq(standin, "member", "삼성이랑 하는 프로그램", "ko")
    monkeypatch.setattr(service, "answer", broken)
    handle, text = await ask_faq(standin, "member2", "Where is it held?", "en-US")
    assert handle.ephemeral
    assert "Something went wrong. Please tell a moderator the error id `" in text
    assert "database on fire" not in text
    assert "Traceback" not in text

    # A button that fails answers the same way.
    monkeypatch.setattr(service, "answer_entry", broken)
    member = standin.users["member"].id
    click = await standin.click("member", weak.original, f"faq:pick:daegu:{member}", locale="ko")
    reply = await click.response()
    assert click.ephemeral
    assert "오류 번호" in message_text(reply["data"])


async def test_commands_are_synced_with_korean_names(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    commands = {c["name"]: c for c in standin.commands}
    assert commands["faq"]["name_localizations"]["ko"] == "질문"
    assert commands["faq"]["options"][0]["name_localizations"]["ko"] == "내용"
    assert commands["faq"]["options"][0]["autocomplete"] is True
    assert commands["ask"]["name_localizations"]["ko"] == "연사질문"
    admin = {o["name"]: o for o in commands["admin"]["options"]}
    assert admin["faq"]["name_localizations"]["ko"] == "자주묻는질문"
    assert {o["name"] for o in admin["faq"]["options"]} == {
        "add",
        "edit",
        "remove",
        "list",
        "export",
        "stats",
    }
    assert admin["questions"]["name_localizations"]["ko"] == "청중질문"


async def test_answers_follow_the_schedules_delays(
    running: StandInBot, standin: DiscordStandIn, event_config: Config
) -> None:
    """The schedule feature's effective times are read at answer time, when it is running."""
    delay = timedelta(minutes=30)

    class DelayedSchedule:
        async def sessions(self) -> list[Session]:
            return [
                dataclasses.replace(s, start=s.start + delay, end=s.end + delay)
                for s in effective_program(event_config)
            ]

    _, before = await ask_faq(standin, "member", "토크콘서트 몇시에 해요", "ko")
    assert "14:00" in before
    running.bot.services.use_program(DelayedSchedule())
    _, after = await ask_faq(standin, "member", "토크콘서트 몇시에 해요", "ko")
    assert "14:30" in after


async def test_a_reply_never_waits_for_the_usage_write_and_a_clean_stop_keeps_every_count(
    running: StandInBot, standin: DiscordStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = running.bot.services.status_sources["faq"]
    writing, release = asyncio.Event(), asyncio.Event()
    add_uses = service.store.add_uses

    async def held(batch: UsageBatch) -> None:
        writing.set()
        await release.wait()
        await add_uses(batch)

    monkeypatch.setattr(service.store, "add_uses", held)
    service.usage.delay = 0  # write the first use at once ...
    _, venue = await ask_faq(standin, "member", "장소가 어디예요?", "ko")
    assert "6층" in venue
    await asyncio.wait_for(writing.wait(), timeout=10)
    service.usage.delay = 3600  # ... and keep the next one in memory until the stop
    # The write is held; another answer is delivered all the same.
    handle, watch = await ask_faq(standin, "member2", "생방 어디서 봐요?", "ko")
    assert not handle.ephemeral
    assert "youtube.com" in watch
    assert not release.is_set()
    release.set()

    await running.stop()  # a clean stop writes what is still counted in memory
    store = await Store.open(tmp_path / "data")
    try:
        assert sorted(await FaqStore(store).top_used()) == [("venue", 1), ("watch", 1)]
    finally:
        await store.close()
