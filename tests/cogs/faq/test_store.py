from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from bot.config import Config, FaqEntry
from bot.schema import validate
from bot.store import Store
from cogs.faq._store import FaqStore

from .conftest import EVENT_MORNING

NOW = EVENT_MORNING
MOD = 1001


def _new_entry(entry_id: str = "parking", answer_ko: str = "주차는 어려워요.") -> FaqEntry:
    return validate(
        FaqEntry,
        {
            "id": entry_id,
            "question": {"ko": "주차할 수 있나요?", "en": "Is there parking?"},
            "answer": {"ko": answer_ko, "en": "Parking is limited."},
            "keywords": {"ko": ["주차", "차"], "en": ["parking", "car park"]},
        },
    )


async def test_overrides_persist_across_reopen(tmp_path: Path, config: Config) -> None:
    store = await Store.open(tmp_path)
    faq_store = FaqStore(store)
    venue = next(e for e in config.faq if e.id == "venue")
    edited = dataclasses.replace(
        venue, answer=dataclasses.replace(venue.answer, ko="장소가 바뀌었어요.")
    )
    await faq_store.add_entry(_new_entry(), config.faq, user_id=MOD, now=NOW)
    await faq_store.edit_entry(edited, config.faq, user_id=MOD, now=NOW + timedelta(minutes=1))
    await faq_store.remove_entry(
        "replay", config.faq, user_id=MOD + 1, now=NOW + timedelta(minutes=2)
    )
    await store.close()

    store = await Store.open(tmp_path)
    try:
        entries = await FaqStore(store).effective_entries(config.faq)
        by_id = {e.id: e for e in entries}
        assert "parking" in by_id
        assert entries[-1].id == "parking"  # added entries come after the config ones
        assert by_id["venue"].answer.ko == "장소가 바뀌었어요."
        assert [e.id for e in entries].index("venue") == [e.id for e in config.faq].index("venue")
        assert "replay" not in by_id
        assert len(entries) == len(config.faq)  # +1 added, -1 removed
        history = await FaqStore(store).history()
        assert [(h.action, h.entry_id, h.user_id) for h in history] == [
            ("remove", "replay", MOD + 1),
            ("edit", "venue", MOD),
            ("add", "parking", MOD),
        ]
        assert history[1].before == venue
        assert history[0].at == NOW + timedelta(minutes=2)
    finally:
        await store.close()


async def test_add_edit_remove_refusals(faq_store: FaqStore, config: Config) -> None:
    assert not await faq_store.add_entry(_new_entry("venue"), config.faq, user_id=MOD, now=NOW)
    assert await faq_store.edit_entry(_new_entry("nope"), config.faq, user_id=MOD, now=NOW) is None
    assert await faq_store.remove_entry("nope", config.faq, user_id=MOD, now=NOW) is None
    assert await faq_store.history() == []


async def test_removed_entry_can_be_added_again(faq_store: FaqStore, config: Config) -> None:
    await faq_store.add_entry(_new_entry(), config.faq, user_id=MOD, now=NOW)
    await faq_store.remove_entry("parking", config.faq, user_id=MOD, now=NOW)
    assert "parking" not in {e.id for e in await faq_store.effective_entries(config.faq)}
    await faq_store.add_entry(_new_entry(answer_ko="다시 추가"), config.faq, user_id=MOD, now=NOW)
    entries = {e.id: e for e in await faq_store.effective_entries(config.faq)}
    assert entries["parking"].answer.ko == "다시 추가"


async def test_usage_and_unanswered(faq_store: FaqStore) -> None:
    await faq_store.add_uses({"venue": (2, NOW), "when": (1, NOW)})
    await faq_store.add_uses({"venue": (1, NOW + timedelta(minutes=1))})
    await faq_store.add_uses({})
    assert await faq_store.top_used() == [("venue", 3), ("when", 1)]
    await faq_store.record_unanswered("주차 되나요?", "주차", "ko", NOW)
    await faq_store.record_unanswered("주차 되나요??", "주차", "ko", NOW + timedelta(minutes=1))
    await faq_store.record_unanswered("wifi password?", "wifi password", "en", NOW)
    items = await faq_store.unanswered()
    assert [(i.text, i.asked) for i in items] == [("주차 되나요??", 2), ("wifi password?", 1)]
    assert await faq_store.dismiss_unanswered(items[0].id)
    assert [i.text for i in await faq_store.unanswered()] == ["wifi password?"]


async def test_votes_are_unique_per_user_and_order_questions(faq_store: FaqStore) -> None:
    guild = 7
    first = await faq_store.add_question(
        guild_id=guild, author_id=1, text="first", locale="ko", now=NOW
    )
    second = await faq_store.add_question(
        guild_id=guild, author_id=2, text="second", locale="en", now=NOW + timedelta(minutes=1)
    )
    third = await faq_store.add_question(
        guild_id=guild, author_id=3, text="third", locale="ko", now=NOW + timedelta(minutes=2)
    )
    await faq_store.add_question(
        guild_id=guild + 1, author_id=4, text="other guild", locale="ko", now=NOW
    )

    result = await faq_store.vote(third.id, 10, NOW)
    assert result is not None
    assert (result.added, result.votes) == (True, 1)
    again = await faq_store.vote(third.id, 10, NOW)
    assert again is not None
    assert (again.added, again.votes) == (False, 1)
    await faq_store.vote(second.id, 11, NOW)
    assert await faq_store.vote(999, 10, NOW) is None

    # third and second have one vote each: the older (second) first; first has none.
    assert [q.text for q in await faq_store.top_questions(guild)] == ["second", "third", "first"]
    await faq_store.vote(third.id, 12, NOW)
    top = await faq_store.top_questions(guild)
    assert [(q.text, q.votes) for q in top] == [("third", 2), ("second", 1), ("first", 0)]

    answered = await faq_store.set_question_status(third.id, "answered", user_id=MOD, now=NOW)
    assert answered is not None
    assert answered.status == "answered"
    assert answered.status_by == MOD
    assert [q.text for q in await faq_store.top_questions(guild)] == ["second", "first"]
    closed = await faq_store.vote(third.id, 13, NOW)
    assert closed is not None
    assert (closed.added, closed.status) == (False, "answered")
    assert [q.text for q in await faq_store.top_questions(guild, statuses=("answered",))] == [
        "third"
    ]

    await faq_store.set_question_message(first.id, channel_id=5, message_id=555)
    found = await faq_store.question_by_message(555)
    assert found is not None
    assert found.id == first.id


async def test_ask_rate_limit(faq_store: FaqStore) -> None:
    assert await faq_store.ask_wait(1, 2, NOW) == timedelta(0)
    await faq_store.add_question(guild_id=1, author_id=2, text="hello there", locale="ko", now=NOW)
    assert await faq_store.ask_wait(1, 2, NOW + timedelta(seconds=20)) == timedelta(seconds=40)
    assert await faq_store.ask_wait(1, 3, NOW + timedelta(seconds=20)) == timedelta(
        0
    )  # another user
    assert await faq_store.ask_wait(1, 2, NOW + timedelta(minutes=1)) == timedelta(0)
