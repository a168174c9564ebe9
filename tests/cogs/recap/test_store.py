"""The recap's storage on a real migrated SQLite: marks (latest wins, per event) and posts made once."""

from __future__ import annotations

from datetime import date, timedelta

from bot.store import Store
from cogs.recap._store import RecapStore
from cogs.recap._timeline import Mark
from tests.cogs.recap.records import seoul

DAY = date(2022, 12, 15)


async def test_the_latest_mark_of_each_session_counts(store: Store) -> None:
    recap = RecapStore(store, DAY)
    now = seoul(15)
    await recap.add_mark("lecture", "start", seoul(13, 2), guild_id=1, user_id=7, now=now)
    await recap.add_mark("talk-concert", "start", seoul(14, 3), guild_id=1, user_id=7, now=now)
    await recap.add_mark("talk-concert", "start", seoul(14, 4, 5), guild_id=1, user_id=8, now=now)
    await recap.add_mark("results", "start", seoul(15, 10), guild_id=1, user_id=7, now=now)
    await recap.add_mark("results", "skip", None, guild_id=1, user_id=7, now=now)
    assert await recap.marks() == {
        "lecture": Mark("lecture", "start", seoul(13, 2)),
        "talk-concert": Mark("talk-concert", "start", seoul(14, 4, 5)),
        "results": Mark("results", "skip", None),
    }
    # A start mark after a skip undoes it.
    await recap.add_mark("results", "start", seoul(15, 12), guild_id=1, user_id=7, now=now)
    assert (await recap.marks())["results"] == Mark("results", "start", seoul(15, 12))


async def test_marks_belong_to_their_event_date(store: Store) -> None:
    await RecapStore(store, DAY).add_mark(
        "lecture", "start", seoul(13, 2), guild_id=1, user_id=7, now=seoul(15)
    )
    assert await RecapStore(store, DAY + timedelta(days=365)).marks() == {}


async def test_a_post_is_claimed_once(store: Store) -> None:
    recap = RecapStore(store, DAY)
    claim = await recap.claim_post("replay", "vid", 1, now=seoul(17))
    assert claim is not None
    assert not claim.retry
    # Cut off before the send was recorded (a crash): the next attempt carries the same nonce.
    again = await recap.claim_post("replay", "vid", 1, now=seoul(17, 1))
    assert again is not None
    assert (again.retry, again.nonce) == (True, claim.nonce)
    await recap.finish_post(again, "sent", now=seoul(17, 1), channel_id=5, message_id=6)
    assert await recap.claim_post("replay", "vid", 1, now=seoul(17, 2)) is None
    assert await recap.post_state("replay", "vid", 1) == "sent"
    # Another server, video or kind is another post.
    assert await recap.claim_post("replay", "vid", 2, now=seoul(17)) is not None
    assert await recap.claim_post("report", "vid", 1, now=seoul(17)) is not None


async def test_a_refused_post_may_be_tried_again(store: Store) -> None:
    recap = RecapStore(store, DAY)
    claim = await recap.claim_post("report", "2022-12-15", 1, now=seoul(17))
    assert claim is not None
    await recap.release_post(claim)
    assert await recap.post_state("report", "2022-12-15", 1) is None
    fresh = await recap.claim_post("report", "2022-12-15", 1, now=seoul(17))
    assert fresh is not None
    assert not fresh.retry
    await recap.finish_post(fresh, "logged", now=seoul(17))
    await recap.release_post(fresh)  # only an intent is released
    assert await recap.post_state("report", "2022-12-15", 1) == "logged"
