"""The API gate: backoff, quota exceeded and probing, the daily budget, a rejected key or a disabled
API, and the typed notices moderators get (through the relay, against the YouTube stand-in; then the
gate alone with a scripted client)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from bot.clock import FrozenClock
from bot.config import YouTubeSection
from bot.rehearsal.youtube_standin import DEFAULT_CHANNEL_ID, YouTubeStandIn
from bot.store import Store
from cogs.live._gate import ApiGate, NotAsked, QuotaLedger
from cogs.live._notices import (
    ApiDisabledNotice,
    BadKeyNotice,
    BudgetExhaustedNotice,
    QuotaExceededNotice,
    QuotaRestoredNotice,
)
from cogs.live._quota import next_reset, pacific_day
from cogs.live._state import Phase
from cogs.live._store import LiveStore
from cogs.live._youtube import BadKey, QuotaExceeded, Transient, YouTubeClient, YouTubeError
from tests.cogs.live.conftest import (
    TEN,
    RecordingSink,
    RelayFactory,
    advance_and_poll,
    assert_ledger_matches,
)

VIDEO = "cceiLive001"


async def test_500_and_quota_exceeded_mid_stream_cause_no_crash_and_no_false_end(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO, title="CCEI live")
    frozen_youtube.set_viewers(VIDEO, 100)
    relay = make_relay()
    await relay.poll_once()
    assert sink.names() == ["live"]

    # A 500: no state change, quick retry (backoff capped at poll_active), then recovery.
    frozen_youtube.fail_next("videos", "backendError")
    delay = await advance_and_poll(relay, frozen_clock)
    assert relay.status().mode == "backoff"
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE
    assert timedelta(0) < delay <= TEN
    assert "500" in (relay.status().last_error or "")
    frozen_youtube.set_viewers(VIDEO, 150)
    await advance_and_poll(relay, frozen_clock, delay)
    assert sink.of("viewers")[-1].viewers == 150
    assert relay.status().mode == "active"

    # A 503 and a 429 in a row back off further; the stream stays live.
    frozen_youtube.fail_next("videos", "serviceUnavailable")
    frozen_youtube.fail_next("videos", "tooManyRequests")
    first = await advance_and_poll(relay, frozen_clock)
    second = await advance_and_poll(relay, frozen_clock, first)
    assert second >= first
    await advance_and_poll(relay, frozen_clock, second)
    assert relay.status().mode == "active"

    # quotaExceeded: moderators are told once, API calls stop but for one probe per quota_probe.
    frozen_youtube.exhaust_quota()
    await advance_and_poll(relay, frozen_clock)
    assert isinstance(sink.notices[-1], QuotaExceededNotice)
    assert relay.status().mode == "quota_exceeded"
    api_calls, feed_calls = frozen_youtube.api_calls, frozen_youtube.feed_calls
    for _ in range(20):  # 200 s: under the 5-minute probe interval
        await advance_and_poll(relay, frozen_clock)
    assert frozen_youtube.api_calls == api_calls
    assert frozen_youtube.feed_calls == feed_calls + 20  # the free feed is still read
    # A new video appears meanwhile: the feed finds it, it waits for the API.
    frozen_youtube.schedule("nextStream1", "Next", frozen_clock.now() + timedelta(hours=2))
    await advance_and_poll(relay, frozen_clock)
    assert relay.broadcasts["nextStream1"].phase is Phase.NEW

    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))  # one probe, still exhausted
    assert frozen_youtube.api_calls == api_calls + 1
    assert sink.notice_kinds().count(QuotaExceededNotice) == 1

    frozen_youtube.restore_quota()
    frozen_youtube.set_viewers(VIDEO, 90)
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))  # the probe succeeds
    assert sink.notices[-1] == QuotaRestoredNotice(pacific_day(frozen_clock.now()))
    assert relay.status().mode == "active"
    assert relay.broadcasts["nextStream1"].phase is Phase.UPCOMING
    assert sink.of("viewers")[-1].viewers == 90

    assert "ended" not in sink.names()
    assert sink.names().count("live") == 1
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE
    await assert_ledger_matches(relay, frozen_youtube)


async def test_quota_block_lifts_at_pacific_midnight(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    relay = make_relay()
    await relay.poll_once()
    frozen_youtube.exhaust_quota()
    await advance_and_poll(relay, frozen_clock)
    assert relay.status().mode == "quota_exceeded"
    blocked_day = pacific_day(frozen_clock.now())
    frozen_youtube.restore_quota()
    # Jump to one second after the reset: the block lifts without waiting for a probe.
    frozen_clock.set(next_reset(frozen_clock.now()) + timedelta(seconds=1))
    assert pacific_day(frozen_clock.now()) != blocked_day
    calls = frozen_youtube.api_calls
    await relay.poll_once()
    assert frozen_youtube.api_calls == calls + 1
    assert relay.status().mode == "active"
    assert relay.status().units_used == 1  # a fresh day in the ledger


async def test_a_bad_key_is_reported_once(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    relay = make_relay(api_key="AIzaWRONGKEY", youtube=YouTubeSection(channel=DEFAULT_CHANNEL_ID))
    await relay.poll_once()
    for _ in range(30):  # five minutes of fast polls
        await advance_and_poll(relay, frozen_clock)
    assert sink.notice_kinds() == [BadKeyNotice]
    notice = sink.notices[0]
    assert isinstance(notice, BadKeyNotice)
    assert "API key not valid" in notice.message
    assert "AIzaWRONGKEY" not in str(sink.notices)
    assert relay.status().mode == "bad_key"
    # Retried at most once per five minutes, not every poll.
    assert frozen_youtube.api_calls <= 2
    assert relay.api.ledger.used() == frozen_youtube.api_calls


async def test_disabled_api_is_reported_once_and_recovers(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    frozen_youtube.disable_api()
    relay = make_relay(youtube=YouTubeSection(channel=DEFAULT_CHANNEL_ID))
    await relay.poll_once()
    await advance_and_poll(relay, frozen_clock)
    assert sink.notice_kinds() == [ApiDisabledNotice]
    assert relay.status().mode == "api_disabled"
    frozen_youtube.enable_api()
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert sink.names()[-1] == "live"
    assert relay.status().mode == "active"
    assert sink.withdrawn == sink.notices  # told again if it comes back


async def test_daily_budget_is_never_exceeded(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    relay = make_relay(youtube=YouTubeSection(channel="@CCEISAY", daily_quota=6))
    for _ in range(20):
        await advance_and_poll(relay, frozen_clock)
    assert frozen_youtube.api_calls == 6
    assert relay.api.ledger.used() == 6
    status = relay.status()
    assert status.units_left == 0
    assert status.mode == "budget_exhausted"
    assert sink.notice_kinds() == [BudgetExhaustedNotice]
    assert frozen_youtube.feed_calls == 20  # still watching the free feed
    assert "ended" not in sink.names()


# -- the gate alone: a scripted call instead of YouTube -------------------------------------------


class Script:
    """A call the gate may make: counts how often it was made, answers or raises ``fail``."""

    def __init__(self) -> None:
        self.made = 0
        self.fail: YouTubeError | None = None

    def __call__(self, _client: YouTubeClient) -> Awaitable[str]:
        async def answer() -> str:
            self.made += 1
            if self.fail is not None:
                raise self.fail
            return "answer"

        return answer()


def gate_for(store: Store, clock: FrozenClock, sink: RecordingSink, **youtube: Any) -> ApiGate:
    section = YouTubeSection(channel="@CCEISAY", **youtube)
    ledger = QuotaLedger(LiveStore(store), clock, section.daily_quota)
    client = YouTubeClient(api_key="AIzaTEST", api_base="http://127.0.0.1:9", ledger=ledger)
    return ApiGate(section, client, ledger, sink, rand=lambda: 0.5)


async def test_transient_failures_back_off_and_hold_calls_until_the_retry(
    store: Store, frozen_clock: FrozenClock, sink: RecordingSink
) -> None:
    gate = gate_for(store, frozen_clock, sink)
    script = Script()
    script.fail = Transient("HTTP 503")
    gate.begin_poll(frozen_clock.now(), fast=True)
    delays = []
    for _ in range(6):
        now = frozen_clock.now()
        assert isinstance(await gate.ask(now, "videos.list", script), NotAsked)
        delay = gate.retry_delay(now)
        assert delay is not None
        delays.append(delay)
        # Held back until the retry time: the call is not made again.
        made = script.made
        assert isinstance(await gate.ask(now + delay / 2, "videos.list", script), NotAsked)
        assert script.made == made
        frozen_clock.advance(delay)
    # Equal jitter at 0.5: three quarters of 1, 2, 4, 8 s, then capped by poll_active (10 s).
    assert [d.total_seconds() for d in delays] == [0.75, 1.5, 3.0, 6.0, 7.5, 7.5]
    assert sink.notices == []
    script.fail = None
    assert await gate.ask(frozen_clock.now(), "videos.list", script) == "answer"
    assert gate.retry_delay(frozen_clock.now()) is None
    assert gate.last_success == frozen_clock.now()


async def test_quota_exceeded_is_told_once_a_day_and_probed_until_restored(
    store: Store, frozen_clock: FrozenClock, sink: RecordingSink
) -> None:
    gate = gate_for(store, frozen_clock, sink, quota_probe=timedelta(minutes=5))
    script = Script()
    script.fail = QuotaExceeded("quota", status=403, reason="quotaExceeded")
    start = frozen_clock.now()
    day = pacific_day(start)
    gate.begin_poll(start, fast=True)
    await gate.ask(start, "videos.list", script)
    assert sink.notices == [
        QuotaExceededNotice(day, timedelta(minutes=5), next_reset(start), "quota")
    ]
    assert gate.mode(start, owed_calls=True) == "quota_exceeded"
    for minutes in (1, 4, 5, 9, 10):  # probes at +5 and +10 only; each refused
        await gate.ask(start + timedelta(minutes=minutes), "videos.list", script)
    assert script.made == 3
    assert len(sink.notices) == 1
    script.fail = None
    restored_at = start + timedelta(minutes=15)
    assert await gate.ask(restored_at, "videos.list", script) == "answer"
    assert sink.notices[-1] == QuotaRestoredNotice(day)
    assert gate.mode(restored_at, owed_calls=True) is None


async def test_a_new_pacific_day_lifts_the_quota_block(
    store: Store, frozen_clock: FrozenClock, sink: RecordingSink
) -> None:
    gate = gate_for(store, frozen_clock, sink)
    script = Script()
    script.fail = QuotaExceeded("quota")
    now = frozen_clock.now()
    await gate.ask(now, "videos.list", script)
    tomorrow = next_reset(now) + timedelta(seconds=1)
    gate.begin_poll(tomorrow, fast=False)
    assert gate.mode(tomorrow, owed_calls=True) is None
    script.fail = None
    assert await gate.ask(tomorrow, "videos.list", script) == "answer"
    assert sink.notice_kinds() == [QuotaExceededNotice]  # a new day needs no "restored"


async def test_the_budget_is_never_crossed_and_told_once(
    store: Store, frozen_clock: FrozenClock, sink: RecordingSink
) -> None:
    gate = gate_for(store, frozen_clock, sink, daily_quota=2)
    script = Script()
    now = frozen_clock.now()
    for _ in range(2):
        await gate.ledger.charge("videos.list", 1, failed=False)
    for _ in range(3):
        assert isinstance(await gate.ask(now, "videos.list", script), NotAsked)
    assert script.made == 0
    assert sink.notices == [BudgetExhaustedNotice(pacific_day(now), 2, 2, next_reset(now))]
    assert gate.mode(now, owed_calls=True) == "budget_exhausted"
    assert gate.mode(now, owed_calls=False) is None


async def test_a_key_problem_is_told_once_retried_slowly_and_withdrawn_when_it_works(
    store: Store, frozen_clock: FrozenClock, sink: RecordingSink
) -> None:
    gate = gate_for(store, frozen_clock, sink)
    script = Script()
    script.fail = BadKey("API key not valid. Please pass a valid API key.")
    now = frozen_clock.now()
    for minutes in range(15):  # every minute for a quarter of an hour
        await gate.ask(now + timedelta(minutes=minutes), "videos.list", script)
    assert script.made == 3  # once, then once per five minutes
    key_id = gate.client.key_id
    assert sink.notices == [BadKeyNotice(key_id, "API key not valid. Please pass a valid API key.")]
    assert "AIzaTEST" not in str(sink.notices)
    assert gate.mode(now, owed_calls=False) == "bad_key"
    script.fail = None
    later = now + timedelta(minutes=20)
    assert await gate.ask(later, "videos.list", script) == "answer"
    assert sink.withdrawn == sink.notices
    assert gate.mode(later, owed_calls=False) is None
