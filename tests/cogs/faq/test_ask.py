"""/ask end to end: the Q&A post with its vote button, one vote per user, /admin questions ordering and
marking, neutralised mentions, the one-a-minute limit, and failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, message_text
from bot.rehearsal.run import StandInBot
from tests.conftest import admin

from .conftest import FaqLauncher, button_ids, buttons, with_discord


async def ask(
    standin: DiscordStandIn, user: str, question: str, locale: str = "ko"
) -> tuple[InteractionHandle, str]:
    """Run /ask; returns the handle and the (ephemeral) answer's text once it is final."""
    handle = await standin.slash(user, name="ask", options={"question": question}, locale=locale)
    reply = await handle.response()
    if reply["type"] == 5:  # deferred while posting
        return handle, message_text(await handle.wait_original())
    return handle, message_text(reply["data"])


async def posted(running: StandInBot, standin: DiscordStandIn, number: int) -> dict[str, Any]:
    """The Q&A channel post of question ``number``, as it is now."""
    question = await running.bot.services.status_sources["faq"].store.question(number)
    assert question is not None
    assert question.channel_id == standin.channels["qna"]
    message = standin.message(question.message_id)
    assert message is not None
    return message


def vote_label(message: dict[str, Any]) -> str:
    return str(buttons(message)[0]["label"])


@pytest.fixture
async def frozen(start_faq: FaqLauncher, day_before_clock: FrozenClock) -> StandInBot:
    return await start_faq(clock=day_before_clock)


async def test_ask_posts_the_question_with_a_vote_button_one_vote_each(
    frozen: StandInBot, standin: DiscordStandIn
) -> None:
    handle, text = await ask(standin, "member", "토크콘서트 연사님들께: 앞으로 가장 중요한 과제는?")
    assert handle.ephemeral
    assert "질문을 보냈어요!" in text
    post = await posted(frozen, standin, 1)
    assert f"/channels/{standin.guild_id}/{standin.channels['qna']}/{post['id']}" in text
    member = standin.users["member"].id
    assert post["content"] == (
        f"**질문 #1** · <@{member}>\n토크콘서트 연사님들께: 앞으로 가장 중요한 과제는?"
    )
    assert post["mentions"] == []  # the author is named, not pinged
    assert vote_label(post) == "👍 0"

    first = await standin.click("member2", post, "qna:vote:1", locale="en-US")
    reply = await first.response()
    assert reply["type"] == 7  # the post itself shows the new count
    assert vote_label(await posted(frozen, standin, 1)) == "👍 1"
    confirmation = await first.wait_followup()
    assert "Upvoted! (1 votes now)" in message_text(confirmation)

    again = await standin.click(
        "member2", await posted(frozen, standin, 1), "qna:vote:1", locale="ko"
    )
    reply = await again.response()
    assert again.ephemeral
    assert "이미 추천한 질문이에요. (지금 1표)" in message_text(reply["data"])
    assert vote_label(await posted(frozen, standin, 1)) == "👍 1"
    assert await frozen.bot.services.status_sources["faq"].store.votes(1) == 1


async def test_admin_questions_orders_by_votes_then_age_and_marks_posts(
    frozen: StandInBot, standin: DiscordStandIn, day_before_clock: FrozenClock
) -> None:
    for user in ("member", "member2", "owner"):
        await ask(standin, user, f"{user} wants to know: what comes next for public accelerators?")
        day_before_clock.advance(timedelta(minutes=1))
    votes = {1: ["member2"], 2: ["member", "owner"], 3: ["member"]}
    for number, voters in votes.items():
        for voter in voters:
            click = await standin.click(
                voter, await posted(frozen, standin, number), f"qna:vote:{number}"
            )
            await click.response()

    panel = await admin(standin, "moderator", "questions")
    text = message_text((await panel.response())["data"])
    assert panel.ephemeral
    order = [text.index(f"· #{n} ·") for n in (2, 1, 3)]
    assert order == sorted(order), text  # 2 votes first; 1 vote each: #1 (older) before #3
    assert "**1.** 👍 2 · #2" in text
    assert "qna:mark:2:answered" in button_ids(panel.original)

    # The panel's button marks #2 answered: its post says so and the panel refreshes without it.
    cursor = standin.cursor()
    click = await standin.click("moderator", panel.original, "qna:mark:2:answered", locale="en-US")
    reply = await click.response()
    assert reply["type"] == 7
    assert "Marked question #2 as answered." in message_text(reply["data"])
    assert "· #2 ·" not in message_text(reply["data"])
    post = await standin.wait_for_edit((await posted(frozen, standin, 2))["id"], after=cursor)
    assert post["content"].endswith("✅ Answered") or post["content"].endswith("✅ 답변 완료")
    assert buttons(post)[0]["disabled"] is True

    # The option form hides #3; its post keeps no text and no button.
    hidden = await admin(standin, "moderator", "questions", number=3, action="hidden")
    assert "Hid question #3." in message_text((await hidden.response())["data"])
    post3 = await posted(frozen, standin, 3)
    assert "🚫" in post3["content"]
    assert "public accelerators" not in post3["content"]
    assert post3.get("components") in (None, [])

    listing = await admin(standin, "moderator", "questions")
    remaining = message_text((await listing.response())["data"])
    assert "· #1 ·" in remaining
    assert "· #2 ·" not in remaining
    assert "· #3 ·" not in remaining
    actions = [e["action"] for e in await frozen.bot.services.store.audit_entries(standin.guild_id)]
    assert sorted(actions) == ["question_answered", "question_hidden"]


async def test_members_cannot_press_the_moderator_buttons(
    frozen: StandInBot, standin: DiscordStandIn
) -> None:
    await ask(standin, "member", "A question that a member would love to see answered?")
    panel = await admin(standin, "moderator", "questions")
    await panel.response()
    click = await standin.click("member", panel.original, "qna:mark:1:hidden", locale="ko")
    reply = await click.response()
    assert click.ephemeral
    # The exact refusal: the unexpected-error text mentions 운영진 too.
    assert message_text(reply["data"]) == frozen.bot.services.catalog.t(
        "errors.not_moderator", "ko"
    )
    question = await frozen.bot.services.status_sources["faq"].store.question(1)
    assert question.status == "open"


async def test_mentions_in_a_question_are_neutralised(
    frozen: StandInBot, standin: DiscordStandIn
) -> None:
    role = standin.roles["moderator"]
    member2 = standin.users["member2"].id
    text = f"@everyone <@&{role}> <@{member2}> @here what is the plan?"
    await ask(standin, "member", text, locale="en-US")
    post = await posted(frozen, standin, 1)
    content = post["content"]
    assert "@everyone" not in content
    assert "@here" not in content
    assert f"<@&{role}>" not in content
    assert f"<@{member2}>" not in content
    assert "what is the plan?" in content
    allowed = standin.allowed_mentions_for(post["id"])
    assert allowed["parse"] == []
    assert not allowed.get("roles")
    assert not allowed.get("users")
    assert post["mention_everyone"] is False
    assert post["mention_roles"] == []
    assert post["mentions"] == []


async def test_one_question_a_minute(
    frozen: StandInBot, standin: DiscordStandIn, day_before_clock: FrozenClock
) -> None:
    _, text = await ask(standin, "member", "First question for the speakers?", locale="en-US")
    assert "Your question was sent!" in text
    day_before_clock.advance(timedelta(seconds=20))
    handle, text = await ask(standin, "member", "두 번째 질문도 있어요?", locale="ko")
    assert handle.ephemeral
    assert "질문은 1분에 한 번 보낼 수 있어요. 40초 뒤에" in text
    handle, text = await ask(standin, "member", "Second question for the speakers?", "en-US")
    assert handle.ephemeral
    assert "You can send one question per minute. Please try again in 40 s." in text
    assert len(standin.messages("qna")) == 1
    day_before_clock.advance(timedelta(seconds=41))
    _, text = await ask(standin, "member", "Second question for the speakers?", locale="en-US")
    assert "Your question was sent!" in text
    assert len(standin.messages("qna")) == 2


async def test_too_short_and_too_long_questions_are_refused(
    frozen: StandInBot, standin: DiscordStandIn
) -> None:
    handle, text = await ask(standin, "member", "ㅋㅋ", locale="ko")
    assert handle.ephemeral
    assert "질문이 너무 짧아요. 5자 이상" in text
    handle, text = await ask(standin, "member2", "why " * 100, locale="en-US")
    assert "Your question is too long (399 characters). Please keep it under 300." in text
    assert standin.messages("qna") == []


async def test_without_a_qna_channel_the_question_is_refused(
    start_faq: FaqLauncher, standin: DiscordStandIn, event_config: Config
) -> None:
    await start_faq(config=with_discord(event_config, qna_channel_id=0))
    handle, text = await ask(standin, "member", "Is anyone there to answer?", locale="en-US")
    assert handle.ephemeral
    assert "The Q&A channel has not been set up yet." in text


async def test_a_failed_post_is_reported_and_not_counted(
    frozen: StandInBot, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", "/channels/{channel_id}/messages", 403, code=50013)
    handle, text = await ask(standin, "member", "Will this one get through?", locale="en-US")
    assert handle.ephemeral
    assert "could not be posted to the Q&A channel" in text
    repo = frozen.bot.services.status_sources["faq"].store
    assert await repo.top_questions(standin.guild_id) == []
    _, text = await ask(standin, "member", "Will this one get through?", locale="en-US")
    assert "Your question was sent!" in text  # the failed one did not use up the minute


async def test_vote_buttons_work_after_a_restart(
    start_faq: FaqLauncher, standin: DiscordStandIn, day_before_clock: FrozenClock
) -> None:
    first = await start_faq(clock=day_before_clock)
    await ask(standin, "member", "Does the vote survive a restart?", locale="en-US")
    await first.stop()
    second = await start_faq(clock=day_before_clock)
    click = await standin.click("member2", await posted(second, standin, 1), "qna:vote:1")
    await click.response()
    assert vote_label(await posted(second, standin, 1)) == "👍 1"
