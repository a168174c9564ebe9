from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Config, FaqEntry
from bot.store import Store
from cogs.faq._repo import (
    AutoAnswerCooldown,
    FaqEntryExists,
    FaqEntryNotFound,
    FaqRepo,
    export_toml,
)

from .conftest import EVENT_MORNING

NOW = EVENT_MORNING
MOD = 1001


def _new_entry(entry_id: str = "parking", answer_ko: str = "주차는 어려워요.") -> FaqEntry:
    return FaqEntry.model_validate(
        {
            "id": entry_id,
            "question": {"ko": "주차할 수 있나요?", "en": "Is there parking?"},
            "answer": {"ko": answer_ko, "en": "Parking is limited."},
            "keywords": {"ko": ["주차", "차"], "en": ["parking", "car park"]},
        }
    )


async def test_overrides_persist_across_reopen(tmp_path: Path, config: Config) -> None:
    store = await Store.open(tmp_path)
    repo = FaqRepo(store)
    venue = next(e for e in config.faq if e.id == "venue")
    edited = venue.model_copy(
        update={"answer": venue.answer.model_copy(update={"ko": "장소가 바뀌었어요."})}
    )
    await repo.add_entry(_new_entry(), config.faq, user_id=MOD, now=NOW)
    await repo.edit_entry(edited, config.faq, user_id=MOD, now=NOW + timedelta(minutes=1))
    await repo.remove_entry("replay", config.faq, user_id=MOD + 1, now=NOW + timedelta(minutes=2))
    await store.close()

    store = await Store.open(tmp_path)
    try:
        entries = await FaqRepo(store).effective_entries(config.faq)
        by_id = {e.id: e for e in entries}
        assert "parking" in by_id
        assert entries[-1].id == "parking"  # added entries come after the config ones
        assert by_id["venue"].answer.ko == "장소가 바뀌었어요."
        assert [e.id for e in entries].index("venue") == [e.id for e in config.faq].index("venue")
        assert "replay" not in by_id
        assert len(entries) == len(config.faq)  # +1 added, -1 removed
        history = await FaqRepo(store).history()
        assert [(h.action, h.entry_id, h.user_id) for h in history] == [
            ("remove", "replay", MOD + 1),
            ("edit", "venue", MOD),
            ("add", "parking", MOD),
        ]
        assert history[1].before == venue
        assert history[0].at == NOW + timedelta(minutes=2)
    finally:
        await store.close()


async def test_add_edit_remove_refusals(repo: FaqRepo, config: Config) -> None:
    with pytest.raises(FaqEntryExists) as exists:
        await repo.add_entry(_new_entry("venue"), config.faq, user_id=MOD, now=NOW)
    assert exists.value.values == {"entry_id": "venue"}
    with pytest.raises(FaqEntryNotFound):
        await repo.edit_entry(_new_entry("nope"), config.faq, user_id=MOD, now=NOW)
    with pytest.raises(FaqEntryNotFound):
        await repo.remove_entry("nope", config.faq, user_id=MOD, now=NOW)
    assert await repo.history() == []


async def test_removed_entry_can_be_added_again(repo: FaqRepo, config: Config) -> None:
    await repo.add_entry(_new_entry(), config.faq, user_id=MOD, now=NOW)
    await repo.remove_entry("parking", config.faq, user_id=MOD, now=NOW)
    assert "parking" not in {e.id for e in await repo.effective_entries(config.faq)}
    await repo.add_entry(_new_entry(answer_ko="다시 추가"), config.faq, user_id=MOD, now=NOW)
    entries = {e.id: e for e in await repo.effective_entries(config.faq)}
    assert entries["parking"].answer.ko == "다시 추가"


def test_export_round_trips(config: Config) -> None:
    tricky = FaqEntry.model_validate(
        {
            "id": "tricky",
            "question": {"ko": 'Quote " and \\ backslash', "en": "Tab\there"},
            "answer": {"ko": "줄\n바꿈 {start} ''' \"\"\" \x7f", "en": "emoji 🎉 and {braces}"},
            "keywords": {"ko": ["a,b", "키워드"], "en": []},
        }
    )
    entries = [*config.faq, tricky]
    text = export_toml(entries, now=NOW)
    parsed = tomllib.loads(text)
    back = [FaqEntry.model_validate(item) for item in parsed["faq"]]
    assert back == entries


def test_exported_file_loads_as_the_config_include(tmp_path: Path, config: Config) -> None:
    from bot.config import load_config

    root = Path(__file__).resolve().parents[2] / "config"
    (tmp_path / "event.toml").write_text((root / "event.toml").read_text("utf-8"), "utf-8")
    (tmp_path / "faq.toml").write_text(export_toml(config.faq), "utf-8")
    assert load_config(tmp_path / "event.toml").faq == config.faq


async def test_usage_and_unanswered(repo: FaqRepo) -> None:
    for _ in range(3):
        await repo.record_use("venue", NOW)
    await repo.record_use("when", NOW)
    assert await repo.top_used() == [("venue", 3), ("when", 1)]
    await repo.record_unanswered("주차 되나요?", "주차", "ko", NOW)
    await repo.record_unanswered("주차 되나요??", "주차", "ko", NOW + timedelta(minutes=1))
    await repo.record_unanswered("wifi password?", "wifi password", "en", NOW)
    items = await repo.unanswered()
    assert [(i.text, i.asked) for i in items] == [("주차 되나요??", 2), ("wifi password?", 1)]
    assert await repo.dismiss_unanswered(items[0].id)
    assert [i.text for i in await repo.unanswered()] == ["wifi password?"]


async def test_votes_are_unique_per_user_and_order_questions(repo: FaqRepo) -> None:
    guild = 7
    first = await repo.add_question(guild_id=guild, author_id=1, text="first", locale="ko", now=NOW)
    second = await repo.add_question(
        guild_id=guild, author_id=2, text="second", locale="en", now=NOW + timedelta(minutes=1)
    )
    third = await repo.add_question(
        guild_id=guild, author_id=3, text="third", locale="ko", now=NOW + timedelta(minutes=2)
    )
    await repo.add_question(
        guild_id=guild + 1, author_id=4, text="other guild", locale="ko", now=NOW
    )

    result = await repo.vote(third.id, 10, NOW)
    assert result is not None
    assert (result.added, result.votes) == (True, 1)
    again = await repo.vote(third.id, 10, NOW)
    assert again is not None
    assert (again.added, again.votes) == (False, 1)
    await repo.vote(second.id, 11, NOW)
    assert await repo.vote(999, 10, NOW) is None

    # third and second have one vote each: the older (second) first; first has none.
    assert [q.text for q in await repo.top_questions(guild)] == ["second", "third", "first"]
    await repo.vote(third.id, 12, NOW)
    top = await repo.top_questions(guild)
    assert [(q.text, q.votes) for q in top] == [("third", 2), ("second", 1), ("first", 0)]

    answered = await repo.set_question_status(third.id, "answered", user_id=MOD, now=NOW)
    assert answered is not None
    assert answered.status == "answered"
    assert answered.status_by == MOD
    assert [q.text for q in await repo.top_questions(guild)] == ["second", "first"]
    closed = await repo.vote(third.id, 13, NOW)
    assert closed is not None
    assert (closed.added, closed.status) == (False, "answered")
    assert [q.text for q in await repo.top_questions(guild, statuses=("answered",))] == ["third"]

    await repo.set_question_message(first.id, channel_id=5, message_id=555)
    found = await repo.question_by_message(555)
    assert found is not None
    assert found.id == first.id


async def test_ask_rate_limit(repo: FaqRepo) -> None:
    assert await repo.ask_wait(1, 2, NOW) == timedelta(0)
    await repo.add_question(guild_id=1, author_id=2, text="hello there", locale="ko", now=NOW)
    assert await repo.ask_wait(1, 2, NOW + timedelta(seconds=20)) == timedelta(seconds=40)
    assert await repo.ask_wait(1, 3, NOW + timedelta(seconds=20)) == timedelta(0)  # another user
    assert await repo.ask_wait(1, 2, NOW + timedelta(minutes=1)) == timedelta(0)


def test_auto_answer_cooldown() -> None:
    cooldown = AutoAnswerCooldown(timedelta(minutes=10))
    assert cooldown.try_acquire("venue", 1, NOW)
    assert not cooldown.try_acquire("venue", 1, NOW + timedelta(minutes=9))
    assert cooldown.try_acquire("venue", 2, NOW + timedelta(minutes=1))  # another channel
    assert cooldown.try_acquire("when", 1, NOW + timedelta(minutes=1))  # another entry
    assert cooldown.try_acquire("venue", 1, NOW + timedelta(minutes=10))
