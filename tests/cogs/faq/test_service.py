"""The service the cog sits on: /faq replies, did-you-mean, admin changes, auto-answer, /ask and votes."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.errors import UserError
from bot.i18n import Catalog
from bot.store import Store
from cogs.faq._answers import ProgramTimes
from cogs.faq._forms import entry_from_form
from cogs.faq._service import AutoAnswerCooldown, FaqService
from cogs.faq._store import FaqStore
from cogs.faq._text import ZWSP
from tests.cogs.faq.conftest import parking_form

from .conftest import EVENT_MORNING

MOD = 1001
VIEWER = 2002
GUILD = 77


async def test_confident_answer_in_each_language(service: FaqService) -> None:
    ko = await service.answer("장소 어디에요", "ko")
    assert ko.kind == "confident"
    assert ko.entry_id == "venue"
    assert "6층" in ko.text
    assert "행사 장소가 어디인가요?" in ko.text
    en = await service.answer("where is the venue", "en")
    assert en.entry_id == "venue"
    assert "6th floor" in en.text
    assert "Where is the venue?" in en.text


async def test_did_you_mean_buttons_answer(service: FaqService) -> None:
    reply = await service.answer("삼성이랑 하는 프로그램", "ko")
    assert reply.kind == "weak"
    assert reply.text == service.t("faq.did_you_mean", "ko")
    assert 1 < len(reply.choices) <= 3
    assert all(1 <= len(choice.label) <= 80 for choice in reply.choices)
    daegu = next(choice for choice in reply.choices if choice.entry_id == "daegu")
    picked = await service.answer_entry(daegu.entry_id, "ko")
    assert picked.kind == "confident"
    assert "C-Lab 3.0" in picked.text
    assert (await service.top_used())[0] == ("daegu", 1)
    gone = await service.answer_entry("no-such-entry", "en")
    assert gone.kind == "none"


async def test_no_match_lists_topics_and_is_logged(service: FaqService, clock: FrozenClock) -> None:
    reply = await service.answer("주차 가능한가요?", "ko")
    assert reply.kind == "none"
    assert "주차 가능한가요?" in reply.text
    assert "• 행사는 언제 열리나요?" in reply.text
    assert len(reply.text) <= 2000
    stats = await service.stats_text("ko")
    assert "주차 가능한가요?" in stats
    assert f"<t:{int(clock.now().timestamp())}:R>" in stats


async def test_answers_follow_a_delayed_program(
    config: Config, faq_store: FaqStore, clock: FrozenClock, catalog: Catalog
) -> None:
    delay = timedelta(minutes=30)

    async def delayed() -> ProgramTimes:
        return {
            item.id: (config.at(item.start) + delay, config.at(item.end) + delay)
            for item in config.program
        }

    service = FaqService(config, faq_store, clock, catalog.t, program_times=delayed)
    await service.load()
    reply = await service.answer("토크콘서트 몇시에 해요", "ko")
    assert "14:30" in reply.text
    assert "14:00" not in reply.text
    # Each answer follows the program as it is then: a second delay, then none (values are
    # worked out once per program, so the earlier ones must not stick).
    delay = timedelta(minutes=45)
    assert "14:45" in (await service.answer("토크콘서트 몇시에 해요", "ko")).text
    delay = timedelta(0)
    assert "14:00" in (await service.answer("토크콘서트 몇시에 해요", "ko")).text
    # A reloaded config (here: another venue) is used from the next answer on.
    venue = dataclasses.replace(config.event.venue, ko="새 장소", en="New venue")
    moved = dataclasses.replace(config, event=dataclasses.replace(config.event, venue=venue))
    service.reconfigure(moved)
    await service.load()
    assert "새 장소" in (await service.answer("장소가 어디예요?", "ko")).text


async def test_autocomplete_never_raises_and_respects_the_limit(service: FaqService) -> None:
    assert len(service.suggest("", "ko")) <= 25
    assert len(service.suggest("가" * 10_000, "en")) <= 25
    assert service.suggest("생중계", "ko")[0].entry_id == "watch"


async def test_admin_changes_persist_across_a_restart(
    tmp_path: Path, config: Config, clock: FrozenClock, catalog: Catalog
) -> None:
    store = await Store.open(tmp_path / "db")
    try:
        service = FaqService(config, FaqStore(store), clock, catalog.t)
        await service.load()
        assert (await service.answer("주차장 있나요?", "ko")).kind == "none"

        entry = entry_from_form("parking", parking_form())
        assert await service.add_entry(entry, user_id=MOD, moderator=True) == []
        reply = await service.answer("주차장 있나요?", "ko")
        assert reply.entry_id == "parking"
        edited = entry_from_form(
            "parking", parking_form("주차는 {venue} 지하에서 {start}부터 돼요 {오타}")
        )
        assert await service.edit_entry(edited, user_id=MOD, moderator=True) == ["오타"]
        await service.remove_entry("networking", user_id=MOD, moderator=True)
    finally:
        await store.close()

    store = await Store.open(tmp_path / "db")
    try:
        restarted = FaqService(config, FaqStore(store), clock, catalog.t)
        await restarted.load()
        reply = await restarted.answer("주차 되나요", "ko")
        assert reply.entry_id == "parking"
        assert "판교 창업존 기업지원허브 6층 지하에서 13:00부터" in reply.text
        assert "networking" not in restarted.matcher
        listing = restarted.list_text("en")
        assert "`parking` Is there parking? (added by moderators)" in listing
        assert "networking" in listing  # under "hidden config entries"
        exported = restarted.export()
        assert 'id = "parking"' in exported
        assert 'id = "networking"' not in exported
    finally:
        await store.close()


async def test_admin_is_refused_for_ordinary_members(service: FaqService) -> None:
    entry = entry_from_form("parking", parking_form())
    forbidden = "faq.admin.forbidden"
    with pytest.raises(UserError) as refused:
        await service.add_entry(entry, user_id=VIEWER, moderator=False)
    assert refused.value.key == forbidden
    with pytest.raises(UserError) as refused:
        await service.edit_entry(entry, user_id=VIEWER, moderator=False)
    assert refused.value.key == forbidden
    with pytest.raises(UserError) as refused:
        await service.remove_entry("venue", user_id=VIEWER, moderator=False)
    assert refused.value.key == forbidden
    question = await service.ask(
        guild_id=GUILD, author_id=VIEWER, text="연사님 질문 있어요", locale="ko"
    )
    with pytest.raises(UserError) as refused:
        await service.set_question_status(question.id, "hidden", user_id=VIEWER, moderator=False)
    assert refused.value.key == forbidden
    assert "parking" not in service.matcher
    assert await service.store.history() == []


async def test_adding_an_existing_id_or_changing_a_missing_one_is_refused(
    service: FaqService,
) -> None:
    with pytest.raises(UserError) as exists:
        await service.add_entry(
            entry_from_form("venue", parking_form()), user_id=MOD, moderator=True
        )
    assert (exists.value.key, exists.value.values) == ("faq.admin.exists", {"entry_id": "venue"})
    with pytest.raises(UserError) as missing:
        await service.edit_entry(
            entry_from_form("nope", parking_form()), user_id=MOD, moderator=True
        )
    assert missing.value.key == "faq.admin.not_found"
    # A refusal quotes a typed id back clipped: a 6,000-character value must not overflow a reply.
    with pytest.raises(UserError) as missing:
        await service.remove_entry("x" * 6000, user_id=MOD, moderator=True)
    assert missing.value.key == "faq.admin.not_found"
    assert len(str(missing.value.values["entry_id"])) <= 40
    assert await service.store.history() == []


async def test_auto_answer_cooldown_and_rules(service: FaqService, clock: FrozenClock) -> None:
    question = "행사 장소가 어디예요?"
    first = await service.auto_answer(question, channel_id=42, author_is_bot=False)
    assert first is not None
    assert "6층" in first
    assert await service.auto_answer(question, channel_id=42, author_is_bot=False) is None
    clock.advance(timedelta(minutes=9))
    assert await service.auto_answer("장소 어디인가요?", channel_id=42, author_is_bot=False) is None
    # another entry is not on cooldown
    assert await service.auto_answer("생중계 링크 어디서 봐요?", channel_id=42, author_is_bot=False)
    clock.advance(timedelta(minutes=1))
    assert await service.auto_answer(question, channel_id=42, author_is_bot=False) is not None
    # never to bots, never outside configured channels, never to chatter or weak matches
    clock.advance(timedelta(hours=1))
    assert await service.auto_answer(question, channel_id=42, author_is_bot=True) is None
    assert await service.auto_answer(question, channel_id=43, author_is_bot=False) is None
    assert await service.auto_answer("장소 좋네요", channel_id=42, author_is_bot=False) is None
    assert (
        await service.auto_answer("삼성이랑 하는 프로그램은?", channel_id=42, author_is_bot=False)
        is None
    )
    english = await service.auto_answer("Where is the venue?", channel_id=42, author_is_bot=False)
    assert english is not None
    assert "6th floor" in english


async def test_auto_answer_is_off_by_default(
    config: Config, faq_store: FaqStore, clock: FrozenClock, catalog: Catalog
) -> None:
    assert config.discord.auto_answer_channel_ids == ()
    service = FaqService(config, faq_store, clock, catalog.t)
    await service.load()
    assert (
        await service.auto_answer("행사 장소가 어디예요?", channel_id=42, author_is_bot=False)
        is None
    )


async def test_reconfigure_follows_the_auto_answer_settings(
    config: Config, faq_store: FaqStore, clock: FrozenClock, catalog: Catalog
) -> None:
    service = FaqService(config, faq_store, clock, catalog.t)
    discord = dataclasses.replace(
        config.discord, auto_answer_channel_ids=(42,), auto_answer_cooldown=timedelta(minutes=2)
    )
    service.reconfigure(dataclasses.replace(config, discord=discord))
    await service.load()
    assert service.auto_answer_channel_ids == frozenset({42})
    assert service.cooldown.cooldown == timedelta(minutes=2)
    explicit = FaqService(config, faq_store, clock, catalog.t, auto_answer_channel_ids=[7])
    explicit.reconfigure(dataclasses.replace(config, discord=discord))
    assert explicit.auto_answer_channel_ids == frozenset({7})  # given explicitly: kept


async def test_status_fields_count_entries_unanswered_and_open_questions(
    service: FaqService,
) -> None:
    await service.answer("주차 가능한가요?", "ko")
    await service.ask(guild_id=GUILD, author_id=1, text="What comes next?", locale="en")
    [(name, value)] = await service.status_fields("en")
    assert name == "FAQ"
    assert value == "27 entries · 1 unanswered · 1 open viewer questions"


async def test_ask_vote_and_top_questions(service: FaqService, clock: FrozenClock) -> None:
    older = await service.ask(
        guild_id=GUILD, author_id=1, text="공공액셀러레이터의 역할은?", locale="ko"
    )
    clock.advance(timedelta(seconds=5))
    newer = await service.ask(
        guild_id=GUILD, author_id=2, text="What should startups prepare?", locale="en"
    )
    clock.advance(timedelta(seconds=5))
    popular = await service.ask(
        guild_id=GUILD, author_id=3, text="C-Lab 3.0은 언제 시작하나요?", locale="ko"
    )

    for voter in (10, 11):
        assert (await service.vote(popular.id, voter)).added
    repeat = await service.vote(popular.id, 10)
    assert not repeat.added
    assert service.vote_text(repeat, "ko") == service.t("ask.already_voted", "ko", votes=2)
    await service.vote(newer.id, 12)
    await service.vote(older.id, 13)
    with pytest.raises(UserError) as missing:
        await service.vote(9999, 10)
    assert (missing.value.key, missing.value.values) == ("questions.not_found", {"number": 9999})

    top = await service.top_questions(GUILD)
    assert [q.id for q in top] == [popular.id, older.id, newer.id]  # votes, then older first
    text = service.questions_text(top, "en")
    assert text.index("C-Lab 3.0") < text.index("공공액셀러레이터") < text.index("What should")
    assert "👍 2" in text
    assert f"<t:{int(popular.created_at.timestamp())}:R>" in text  # each viewer's own clock

    hidden = await service.set_question_status(popular.id, "hidden", user_id=MOD, moderator=True)
    assert service.status_text(hidden, "ko") == service.t(
        "questions.marked_hidden", "ko", number=popular.id
    )
    assert [q.id for q in await service.top_questions(GUILD)] == [older.id, newer.id]
    with pytest.raises(UserError) as missing:
        await service.set_question_status(9999, "answered", user_id=MOD, moderator=True)
    assert missing.value.key == "questions.not_found"
    assert service.questions_text([], "ko") == service.t("questions.empty", "ko")


async def test_ask_is_rate_limited_and_length_checked(
    service: FaqService, clock: FrozenClock
) -> None:
    await service.ask(guild_id=GUILD, author_id=VIEWER, text="첫 번째 질문입니다", locale="ko")
    clock.advance(timedelta(seconds=15))
    with pytest.raises(UserError) as limited:
        await service.ask(guild_id=GUILD, author_id=VIEWER, text="두 번째 질문입니다", locale="ko")
    assert (limited.value.key, limited.value.values) == ("ask.rate_limited", {"seconds": 45})
    assert "45" in service.t(limited.value.key, "ko", **limited.value.values)
    clock.advance(timedelta(seconds=45))
    await service.ask(guild_id=GUILD, author_id=VIEWER, text="두 번째 질문입니다", locale="ko")
    with pytest.raises(UserError) as too_long:
        await service.ask(guild_id=GUILD, author_id=3, text="가" * 301, locale="ko")
    assert too_long.value.key == "ask.too_long"
    assert "300" in service.t(too_long.value.key, "en", **too_long.value.values)
    with pytest.raises(UserError) as too_short:
        await service.ask(guild_id=GUILD, author_id=3, text=" ? ", locale="ko")
    assert too_short.value.key == "ask.too_short"


async def test_two_asks_at_once_by_one_user_queue_one_question(service: FaqService) -> None:
    """Two /ask calls racing (a double submit) must not both pass the one-a-minute check."""
    results = await asyncio.gather(
        service.ask(guild_id=GUILD, author_id=VIEWER, text="첫 번째 질문입니다", locale="ko"),
        service.ask(guild_id=GUILD, author_id=VIEWER, text="두 번째 질문입니다", locale="ko"),
        # Another viewer is not held up by the first one's limit.
        service.ask(guild_id=GUILD, author_id=VIEWER + 1, text="다른 사람 질문입니다", locale="ko"),
        return_exceptions=True,
    )
    queued = [r for r in results[:2] if not isinstance(r, BaseException)]
    refused = [r for r in results[:2] if isinstance(r, BaseException)]
    assert len(queued) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], UserError)
    assert refused[0].key == "ask.rate_limited"
    assert not isinstance(results[2], BaseException)
    assert len(await service.top_questions(GUILD)) == 2
    assert len(service._ask_locks) == 0  # a lock lives only while an ask is running


async def test_mentions_in_questions_are_neutralised(service: FaqService) -> None:
    question = await service.ask(
        guild_id=GUILD,
        author_id=VIEWER,
        text="@everyone @here <@123456789012345678> <@&876543210987654321> 질문이요",
        locale="ko",
    )
    post = service.question_post(question, "ko")
    assert "@everyone" not in post
    assert "@here" not in post
    assert "<@123456789012345678>" not in post
    assert "<@&876543210987654321>" not in post
    assert f"@{ZWSP}everyone" in post
    assert f"<@{VIEWER}>" in post  # the author is shown (the cog sends with AllowedMentions.none())
    stored = await service.store.question(question.id)
    assert stored is not None
    assert "@everyone" not in stored.text


async def test_a_question_cannot_reorder_its_post_with_a_bidi_isolate(service: FaqService) -> None:
    question = await service.ask(
        guild_id=GUILD, author_id=VIEWER, text="\u2067질문: 언제 시작하나요?\u2069", locale="ko"
    )
    assert question.text == "질문: 언제 시작하나요?"
    post = service.question_post(question, "ko")
    assert "\u2067" not in post
    assert "\u2069" not in post


async def test_the_entry_list_fits_one_message(
    config: Config, faq_store: FaqStore, clock: FrozenClock, catalog: Catalog
) -> None:
    many = tuple(dataclasses.replace(e, id=f"{e.id}-{n}") for n in range(4) for e in config.faq)
    service = FaqService(dataclasses.replace(config, faq=many), faq_store, clock, catalog.t)
    await service.load()
    text = service.list_text("en")
    assert len(text) <= 2000
    assert text.endswith("…")


def test_auto_answer_cooldown() -> None:
    cooldown = AutoAnswerCooldown(timedelta(minutes=10))
    now = EVENT_MORNING
    assert cooldown.try_acquire("venue", 1, now)
    assert not cooldown.try_acquire("venue", 1, now + timedelta(minutes=9))
    assert cooldown.try_acquire("venue", 2, now + timedelta(minutes=1))  # another channel
    assert cooldown.try_acquire("when", 1, now + timedelta(minutes=1))  # another entry
    assert cooldown.try_acquire("venue", 1, now + timedelta(minutes=10))


async def test_the_question_record_counts_outcomes_and_lists_the_questions(
    config: Config, service: FaqService, clock: FrozenClock
) -> None:
    """What the organisers' report reads (services.question_records)."""
    guild = config.discord.guild_id
    for question in ("장소 어디에요", "where is the venue", "장소 알려주세요"):
        assert (await service.answer(question, "ko")).kind == "confident"
    weak = await service.answer("삼성이랑 하는 프로그램", "ko")
    assert weak.kind == "weak"
    await service.answer_entry(weak.choices[0].entry_id, "ko", picked=True)
    assert (await service.answer("삼성이랑 하는 프로그램", "ko")).kind == "weak"  # never picked
    await service.answer_entry("venue", "en")  # chosen in autocomplete: no suggestion involved
    for question in ("주차 가능한가요?", "주차 가능한가요?", '=HYPERLINK("x") @everyone'):
        assert (await service.answer(question, "ko")).kind == "none"
    first = await service.ask(
        guild_id=guild, author_id=1, text="공공액셀러레이터의 역할은?", locale="ko"
    )
    clock.advance(timedelta(minutes=2))
    second = await service.ask(guild_id=guild, author_id=2, text="Slides?", locale="en")
    hidden = await service.ask(guild_id=guild, author_id=3, text="spam spam", locale="en")
    await service.ask(guild_id=GUILD + 1, author_id=4, text="Another server's", locale="en")
    for voter in (10, 11):
        await service.vote(second.id, voter)
    await service.set_question_status(first.id, "answered", user_id=MOD, moderator=True)
    await service.set_question_status(hidden.id, "hidden", user_id=MOD, moderator=True)

    record = await service.question_record()
    # 3 confident + 1 pick + 1 autocomplete choice; 2 suggestions, 1 picked; 3 unanswered asks.
    assert (record.faq_answered, record.faq_suggested, record.faq_unanswered) == (5, 1, 3)
    assert [(u.entry_id, u.uses) for u in record.top_faq] == [
        ("venue", 4),
        (weak.choices[0].entry_id, 1),
    ]
    assert record.top_faq[0].question.ko == "행사 장소가 어디인가요?"
    assert [(u.text, u.asked) for u in record.unanswered] == [
        ("주차 가능한가요?", 2),
        ('=HYPERLINK("x") @everyone', 1),
    ]
    assert [(a.text, a.votes, a.answered) for a in record.asked] == [
        ("Slides?", 2, False),
        ("공공액셀러레이터의 역할은?", 0, True),
    ]
    assert record.asked[1].asked_at == first.created_at


async def test_the_replay_placeholder_reads_the_recording_when_asked(
    config: Config, faq_store: FaqStore, clock: FrozenClock, catalog: Catalog
) -> None:
    link: str | None = None
    reads = 0

    async def replay_link() -> str | None:
        nonlocal reads
        reads += 1
        return link

    service = FaqService(config, faq_store, clock, catalog.t, replay_link=replay_link)
    await service.load()
    venue = await service.answer("장소 어디에요", "ko")
    assert reads == 0  # only answers that show the link read it
    before = await service.answer("다시보기 되나요?", "ko")
    assert before.entry_id == "replay"
    assert config.youtube.stream_link in before.text
    link = "https://youtu.be/ccei2022live"
    after = await service.answer("다시보기 되나요?", "ko")
    assert "볼 수 있어요: https://youtu.be/ccei2022live\n" in after.text
    assert (reads, venue.kind) == (2, "confident")
