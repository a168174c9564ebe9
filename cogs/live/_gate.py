"""The API gate: every YouTube Data API request of the relay goes through :meth:`ApiGate.ask`.

It decides whether one more (one-unit) request may go out now and records how it went:

- the day's spend never goes above ``youtube.daily_quota`` (:class:`QuotaLedger`, per Pacific day);
- transient failures (5xx, 429, timeouts) back off exponentially with jitter and change no broadcast;
- after YouTube says quotaExceeded, one probe per ``youtube.quota_probe`` goes out until a probe
  succeeds or the Pacific day ends;
- a rejected key or a disabled API is retried every few minutes.

Moderators hear about each of these once (typed notices through :class:`Moderators`).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from bot.clock import Clock
from bot.config import YouTubeSection
from cogs.live._notices import (
    ApiDisabledNotice,
    BadKeyNotice,
    BudgetExhaustedNotice,
    KeyNotice,
    ModeratorNotice,
    QuotaExceededNotice,
    QuotaRestoredNotice,
)
from cogs.live._quota import backoff_delay, can_spend, next_reset, pacific_day, probe_due
from cogs.live._state import Mode
from cogs.live._store import LiveStore, QuotaUsage
from cogs.live._youtube import ApiDisabled, BadKey, QuotaExceeded, YouTubeClient, YouTubeError

log = logging.getLogger(__name__)

T = TypeVar("T")


class Moderators(Protocol):
    """Where notices go (the sink). Neither method raises: a notice that cannot be told is logged."""

    async def tell_moderators(self, notice: ModeratorNotice) -> None:
        """Tell each event server's moderators once (per ``notice.once_kind``)."""
        ...

    async def withdraw_notice(self, notice: ModeratorNotice) -> None:
        """The cause is gone: tell ``notice`` again if it comes back."""
        ...


class QuotaLedger:
    """Units spent per Pacific day: written through to SQLite, read from memory (status is sync)."""

    def __init__(self, store: LiveStore, clock: Clock, daily_quota: int) -> None:
        self._store = store
        self._clock = clock
        self.daily_quota = daily_quota
        self._usage = QuotaUsage(day=pacific_day(clock.now()))

    async def load(self) -> None:
        self._usage = await self._store.usage(pacific_day(self._clock.now()))

    def usage(self, now: datetime | None = None) -> QuotaUsage:
        day = pacific_day(now or self._clock.now())
        return self._usage if self._usage.day == day else QuotaUsage(day=day)

    def used(self, now: datetime | None = None) -> int:
        return self.usage(now).units

    def left(self, now: datetime | None = None) -> int:
        return max(0, self.daily_quota - self.used(now))

    async def charge(self, method: str, units: int, *, failed: bool) -> None:
        day = pacific_day(self._clock.now())
        current = self.usage()
        by_method = dict(current.by_method)
        by_method[method] = by_method.get(method, 0) + 1
        self._usage = QuotaUsage(
            day=day,
            units=current.units + units,
            calls=current.calls + 1,
            failures=current.failures + int(failed),
            by_method=by_method,
        )
        await self._store.charge(day, method, units, failed=failed)


class NotAsked:
    """The gate held a request back, or it failed (already recorded): no answer this time."""


NOT_ASKED = NotAsked()


class ApiGate:
    def __init__(
        self,
        youtube: YouTubeSection,
        client: YouTubeClient,
        ledger: QuotaLedger,
        moderators: Moderators,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.youtube = youtube
        self.client = client
        self.ledger = ledger
        self._moderators = moderators
        self._rand = rand
        self._fast = False
        self.failures = 0
        self._retry_at: datetime | None = None
        self._quota_blocked_day: date | None = None
        self._last_probe: datetime | None = None
        self._budget_spent_day: date | None = None
        self._key_problem: KeyNotice | None = None
        self._key_retry_at: datetime | None = None
        self.last_success: datetime | None = None
        self.last_error: str | None = None

    def begin_poll(self, now: datetime, *, fast: bool) -> None:
        """A poll starts: backoff is capped by its cadence; a new Pacific day lifts a quota block."""
        self._fast = fast
        if self._quota_blocked_day is not None and pacific_day(now) != self._quota_blocked_day:
            log.info("new Pacific day: YouTube quota available again")
            self._quota_blocked_day = None
            self._last_probe = None

    async def ask(
        self, now: datetime, what: str, call: Callable[[YouTubeClient], Awaitable[T]]
    ) -> T | NotAsked:
        """Make one request (``what`` names it in logs) if the gate lets it out now."""
        if not await self._may_call(now):
            return NOT_ASKED
        try:
            answer = await call(self.client)
        except YouTubeError as error:
            await self._failed(now, error, what)
            return NOT_ASKED
        await self._succeeded(now)
        return answer

    # -- what the relay plans with ------------------------------------------------------------------

    def backoff(self) -> timedelta:
        """How long to wait after a failure (at least one), capped by the poll's cadence."""
        cap = self.youtube.poll_active if self._fast else self.youtube.poll_idle
        base = min(timedelta(seconds=1), self.youtube.poll_active)
        return backoff_delay(max(1, self.failures), base=base, cap=cap, rand=self._rand)

    def retry_delay(self, now: datetime) -> timedelta | None:
        """While calls fail: the wait drawn when the last one failed (one jitter draw per failure)."""
        if not self.failures:
            return None
        return (self._retry_at or now + self.backoff()) - now

    def mode(self, now: datetime, *, owed_calls: bool) -> Mode | None:
        """What holds API calls back now, if anything (``owed_calls``: a broadcast needs one)."""
        if self._key_problem is not None:
            return "bad_key" if isinstance(self._key_problem, BadKeyNotice) else "api_disabled"
        if self._quota_blocked_day is not None:
            return "quota_exceeded"
        if self.ledger.left(now) < 1 and owed_calls:
            return "budget_exhausted"
        return None

    # -- the gate -----------------------------------------------------------------------------------

    async def _may_call(self, now: datetime) -> bool:
        if self._key_retry_at is not None and now < self._key_retry_at:
            return False
        if self._retry_at is not None and now < self._retry_at:
            return False
        probing = self._quota_blocked_day is not None
        if probing and not probe_due(now, self._last_probe, self.youtube.quota_probe):
            return False
        used = self.ledger.used(now)
        if not can_spend(self.youtube.daily_quota, used, 1):
            day = pacific_day(now)
            if self._budget_spent_day != day:
                self._budget_spent_day = day
                log.warning("YouTube API budget for %s spent (%d units)", day, used)
                await self._moderators.tell_moderators(
                    BudgetExhaustedNotice(day, used, self.youtube.daily_quota, next_reset(now))
                )
            return False
        if probing:
            self._last_probe = now
            log.debug("YouTube quota exceeded earlier today: probing with one call")
        return True

    async def _succeeded(self, now: datetime) -> None:
        self.failures = 0
        self._retry_at = None
        self.last_success = now
        self.last_error = None
        if self._key_problem is not None:
            log.info("YouTube API works again")
            await self._moderators.withdraw_notice(self._key_problem)
            self._key_problem = None
            self._key_retry_at = None
        if self._quota_blocked_day is not None:
            log.info("YouTube quota probe succeeded: polling resumes")
            day = self._quota_blocked_day
            self._quota_blocked_day = None
            self._last_probe = None
            await self._moderators.tell_moderators(QuotaRestoredNotice(day))

    async def _failed(self, now: datetime, error: YouTubeError, what: str) -> None:
        self.last_error = f"{what}: {error}"
        if isinstance(error, QuotaExceeded):
            day = pacific_day(now)
            self._last_probe = now
            if self._quota_blocked_day != day:
                self._quota_blocked_day = day
                log.warning(
                    "YouTube quota exceeded (%s); one probe per %s", what, self.youtube.quota_probe
                )
                await self._moderators.tell_moderators(
                    QuotaExceededNotice(
                        day, self.youtube.quota_probe, next_reset(now), error.message
                    )
                )
            return
        if isinstance(error, BadKey | ApiDisabled):
            notice: KeyNotice = (
                BadKeyNotice(self.client.key_id, error.message)
                if isinstance(error, BadKey)
                else ApiDisabledNotice(self.client.key_id, error.message)
            )
            known = type(self._key_problem) is type(notice)
            self._key_problem = notice
            self._key_retry_at = now + max(self.youtube.quota_probe, self.youtube.poll_idle)
            if not known:
                log.error("YouTube API %s (%s): %s", error.kind, what, error)
                await self._moderators.tell_moderators(notice)
            return
        self.failures += 1
        delay = self.backoff()
        self._retry_at = now + delay
        log.warning(
            "YouTube %s failed (%s); attempt %d, retrying in %.1fs",
            what,
            error,
            self.failures,
            delay.total_seconds(),
        )
