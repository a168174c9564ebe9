"""The outbox driver: record the intent, POST with a nonce, retry what is ambiguous, reconcile.

One message, from ``post()`` to a final answer::

    intent stored (pending, nonce, marker, draft, deadline)
    loop:  POST with the nonce ──► 2xx: sent
             │ 5xx, timeout, reset: the message may exist ──► pause, POST again (Discord's nonce
             │     check returns the first message instead of a second one)
             │ 429: certainly not sent ──► pause, POST again
             │ 403/404/400: refused ──► failed (reported to the caller)
           past the nonce window since the first doubtful POST, or past the deadline:
             read the channel's recent history for the marker ──► found: sent
                                                               ──► absent: POST again / give up
    a crash anywhere: the row stays pending; ``recover()`` at the next start continues it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import aiohttp
import discord

from bot.clock import Clock
from bot.outbox._draft import Draft, carries_marker
from bot.outbox._policy import NONCE_WINDOW, Step, backoff, identity, next_step
from bot.outbox._store import Intent, OutboxStore, State
from bot.store import Store

log = logging.getLogger(__name__)

#: Real seconds one POST (or history read) may take before it counts as lost. discord.py's own
#: session waits five minutes, and its retries of a 500 sleep 25 s in all.
ATTEMPT_TIMEOUT = 15.0
#: How many recent messages of the channel are read to find a marker. The channels the bot posts
#: to on its own (announcements, audit) are quiet: a hundred messages cover hours.
HISTORY_LIMIT = 100

#: Sleeps an interval of event seconds (tests pass one that moves a frozen clock).
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Posted:
    """The message is in the channel (now, or found there from an earlier attempt)."""

    key: str
    channel_id: int
    message_id: int
    guild_id: int | None = None
    #: Found in the channel's history because the answer to its POST was lost.
    recovered: bool = False
    #: The message was (or may have been) made from an earlier call's draft, not this one's:
    #: ``edit()`` it with this draft if the difference matters (a viewer count, say).
    outdated: bool = False

    @property
    def jump_url(self) -> str:
        return (
            f"https://discord.com/channels/{self.guild_id or '@me'}/"
            f"{self.channel_id}/{self.message_id}"
        )


FailReason = Literal["refused", "deleted", "expired", "unknown", "stopped", "unposted"]


@dataclass(frozen=True, slots=True)
class Failed:
    """Not posted (or not edited), and why.

    - ``refused``: Discord said no (403, 404, 400); certainly not posted. Calling ``post()`` again
      later (a moderator fixed the channel) is safe.
    - ``deleted``: it was posted, then someone deleted it; it is never posted again.
    - ``expired``: the grace ran out; the channel's history shows it was not posted.
    - ``unknown``: the grace ran out and the history could not be read: it may be there. The next
      ``post()`` of the key, or the next start, looks again before sending anything.
    - ``stopped``: the bot is shutting down; the next start carries on within the grace.
    - ``unposted``: an edit of a key that has no message, or a ``settle()`` of a key never posted.
    """

    key: str
    reason: FailReason
    detail: str = ""
    status: int | None = None
    code: int | None = None

    @property
    def maybe_posted(self) -> bool:
        return self.reason in ("unknown", "stopped")


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A message not settled yet, for ``/admin status``: being tried, or unconfirmed."""

    key: str
    marker: str
    #: "pending" (being tried, or waiting for the next start) or "unknown" (unconfirmed).
    state: str
    since: datetime
    attempts: int
    last_error: str


class LookupFailed(Exception):
    """The channel's history cannot tell whether a message is there."""


class Outcome(enum.Enum):
    #: The request may have taken effect: only the nonce or the history can tell.
    AMBIGUOUS = "ambiguous"
    #: Certainly not taken, worth another try (rate limited).
    NOT_SENT = "not_sent"
    #: Certainly not taken, and trying again will not help by itself.
    REFUSED = "refused"


def classify(error: BaseException) -> Outcome | None:
    """How a failed request ended; None for errors that are bugs, not Discord's answer."""
    if isinstance(error, discord.RateLimited):
        return Outcome.NOT_SENT
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            return Outcome.NOT_SENT
        return Outcome.AMBIGUOUS if error.status >= 500 else Outcome.REFUSED
    if isinstance(error, TimeoutError | aiohttp.ClientError | OSError):
        return Outcome.AMBIGUOUS
    return None


def describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"{error.status} {error.text or error.response.reason}".strip()
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return f"{type(error).__name__}: {error}".rstrip(": ")


class Outbox:
    """Posts each message the bot starts on its own exactly once; see ``bot.outbox``."""

    def __init__(
        self, client: discord.Client, store: Store, clock: Clock, *, sleep: Sleep | None = None
    ) -> None:
        self._client = client
        self._rows = OutboxStore(store)
        self._clock = clock
        self.sleep: Sleep = sleep or self._clock_sleep
        self.nonce_window = NONCE_WINDOW
        self.attempt_timeout = ATTEMPT_TIMEOUT
        self.history_limit = HISTORY_LIMIT
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._salt = ""
        self._stopping = asyncio.Event()
        self._recovery: asyncio.Task[list[Posted | Failed]] | None = None

    # -- the API -----------------------------------------------------------------------------------

    async def post(
        self,
        channel_id: int,
        *,
        key: str,
        draft: Draft,
        grace: timedelta,
        guild_id: int | None = None,
    ) -> Posted | Failed:
        """Post ``draft`` to the channel once under ``key``, trying for up to ``grace``.

        ``key`` names the message for good (e.g. ``announce:<guild>:<interaction>``): a second call
        with a key already posted returns that message without sending anything (``outdated``
        when it shows another draft). Returns within about ``grace`` plus one attempt; a crash
        meanwhile is carried on by :meth:`recover`.
        """
        async with self._lock(key):
            intent = await self._rows.get(key)
            if intent is not None and intent.state is State.SENT:
                return self._posted(intent, outdated=not intent.draft.same_as(draft))
            if intent is not None and intent.state is State.DELETED:
                return Failed(key, "deleted", "posted earlier and deleted since")
            # An earlier call's attempt may have made the message from its own draft; Discord's
            # nonce check (or history) then returns that message, not one showing this draft.
            earlier = None
            if intent is not None and intent.unsure_since is not None:
                earlier = None if intent.draft.same_as(draft) else intent.draft
            nonce, marker = identity(await self._salt_value(), key)
            now = self._clock.now()
            await self._rows.open(
                key,
                guild_id=guild_id,
                channel_id=channel_id,
                nonce=nonce,
                marker=marker,
                draft=draft,
                now=now,
                deadline=now + grace,
            )
            intent = await self._rows.get(key)
            assert intent is not None
            result = await self._drive(intent)
            if earlier is not None and isinstance(result, Posted):
                # Kept as what the message shows, so an edit with this draft is not skipped.
                await self._rows.edited(key, earlier, now=self._clock.now())
                result = replace(result, outdated=True)
            return result

    async def edit(
        self, key: str, draft: Draft, *, grace: timedelta = timedelta(0)
    ) -> Posted | Failed:
        """Replace the content of the message posted under ``key`` (its marker is kept).

        An edit is idempotent, so passing failures are simply tried again within ``grace``.
        """
        async with self._lock(key):
            intent = await self._rows.get(key)
            if intent is None or intent.state is not State.SENT or intent.message_id is None:
                deleted = intent is not None and intent.state is State.DELETED
                return Failed(key, "deleted" if deleted else "unposted")
            deadline = self._clock.now() + grace
            channel = self._channel(intent)
            pauses = 0
            while self._may_go_on(first=pauses == 0):
                try:
                    async with asyncio.timeout(self.attempt_timeout):
                        await channel.get_partial_message(intent.message_id).edit(
                            **draft.marked(intent.marker).edit_options()
                        )
                except Exception as error:
                    outcome = classify(error)
                    if outcome is None:
                        raise
                    if isinstance(error, discord.NotFound):
                        await self._rows.finish(key, State.DELETED, now=self._clock.now())
                        return Failed(key, "deleted", describe(error), 404, error.code)
                    if outcome is Outcome.REFUSED:
                        return self._refusal(key, error)
                    if self._clock.now() >= deadline:
                        return Failed(key, "expired", describe(error))
                    pauses += 1
                    log.warning(
                        "outbox: editing %s (ref %s) failed: %s; trying again",
                        key,
                        intent.marker,
                        describe(error),
                    )
                    await self._pause(min(backoff(pauses), deadline - self._clock.now()))
                    continue
                await self._rows.edited(key, draft, now=self._clock.now())
                return self._posted(intent)
            return Failed(key, "stopped", "the bot is shutting down")

    async def message_id(self, key: str) -> int | None:
        """The id of the message posted under ``key``, if it was."""
        intent = await self._rows.get(key)
        return intent.message_id if intent is not None and intent.state is State.SENT else None

    async def settle(self, key: str) -> Posted | Failed:
        """What became of the message under ``key``, finishing what a crash left: a post within
        its grace is carried on, an older one only looked up; never posted twice. ``unposted``:
        nothing was ever recorded under ``key``. For a feature's own ledger after a restart (and
        for :meth:`recover`); the start-up recovery and a feature may call it together."""
        async with self._lock(key):
            intent = await self._rows.get(key)
            if intent is None or intent.state not in (State.PENDING, State.UNKNOWN):
                # Finished meanwhile (by the start-up recovery, or a feature's post() of the key).
                return Failed(key, "unposted") if intent is None else self._result(intent)
            if intent.state is State.PENDING and self._clock.now() < intent.deadline:
                return await self._drive(intent)
            return await self._settle(intent)

    async def unfinished(self) -> list[Unfinished]:
        """Messages being tried or left unconfirmed, oldest first."""
        return [
            Unfinished(i.key, i.marker, i.state.value, i.created_at, i.attempts, i.last_error or "")
            for i in await self._rows.unfinished()
        ]

    async def recover(self) -> list[Posted | Failed]:
        """Settle what a crash left unfinished (run at start-up): posts within their grace are
        carried on (history first when the nonce may have expired), older ones only looked up."""
        rows = await self._rows.unfinished()
        if rows:
            log.info("outbox: %d message(s) left unfinished by the last run", len(rows))
        return list(await asyncio.gather(*(self.settle(row.key) for row in rows)))

    def start_recovery(self) -> None:
        """Run :meth:`recover` in the background (start-up must not wait for retries)."""
        self._recovery = asyncio.create_task(self.recover(), name="outbox-recovery")
        self._recovery.add_done_callback(_log_failure)

    @property
    def recovery(self) -> asyncio.Task[list[Posted | Failed]] | None:
        """The start-up recovery, once started (await it to see what it settled)."""
        return self._recovery

    async def close(self) -> None:
        """Stop trying again: loops end at their next step; unfinished rows wait for the next start.

        A call made while the features stop (the bot closes the outbox first, so that none waits
        out a backoff) still makes its first attempt, as long as the client is open."""
        self._stopping.set()
        if self._recovery is not None and not self._recovery.done():
            self._recovery.cancel()

    # -- driving one message -----------------------------------------------------------------------

    async def _drive(self, intent: Intent) -> Posted | Failed:
        key, marker = intent.key, intent.marker
        unsure = intent.unsure_since
        tries = pauses = steps = 0
        last_error = intent.last_error or ""
        while self._may_go_on(first=steps == 0):
            steps += 1
            now = self._clock.now()
            step = next_step(
                now,
                deadline=intent.deadline,
                unsure_since=unsure,
                attempts=tries,
                window=self.nonce_window,
            )
            if step is Step.GIVE_UP:
                await self._rows.finish(key, State.FAILED, now=now, error=last_error)
                log.error(
                    "outbox: %s (ref %s) NOT posted to channel %s: gave up at the end of its "
                    "grace after %d attempt(s) (last: %s)",
                    key,
                    marker,
                    intent.channel_id,
                    intent.attempts + tries,
                    last_error or "-",
                )
                return Failed(key, "expired", last_error)
            if step is Step.LOOK:
                try:
                    found = await self._find(intent)
                except LookupFailed as error:
                    last_error = f"channel history unreadable: {error}"
                    if now >= intent.deadline:
                        return await self._undecided(intent, last_error)
                else:
                    if found is not None:
                        return await self._found(intent, found)
                    unsure = None
                    await self._rows.absent(key, now=now)
                    continue
            else:
                doubt_before = unsure
                tries += 1
                await self._rows.attempting(key, now=now)
                unsure = unsure or now
                try:
                    async with asyncio.timeout(self.attempt_timeout):
                        message = await self._channel(intent).send(
                            nonce=intent.nonce, **intent.draft.marked(marker).send_options()
                        )
                except Exception as error:
                    outcome = classify(error)
                    if outcome is None:
                        raise
                    last_error = describe(error)
                    await self._rows.note_error(key, last_error, now=self._clock.now())
                    if outcome is not Outcome.AMBIGUOUS and doubt_before is None:
                        unsure = None  # this attempt certainly created nothing
                        await self._rows.absent(key, now=self._clock.now())
                    if outcome is Outcome.REFUSED:
                        return await self._refused(intent, error, doubt=doubt_before is not None)
                    log.warning(
                        "outbox: posting %s (ref %s) to channel %s: %s (%s); trying again until %s",
                        key,
                        marker,
                        intent.channel_id,
                        last_error,
                        "may have been posted" if outcome is Outcome.AMBIGUOUS else "not posted",
                        intent.deadline.isoformat(timespec="seconds"),
                    )
                else:
                    await self._rows.sent(key, message.id, now=self._clock.now())
                    if tries > 1 or intent.attempts > 0:
                        log.info(
                            "outbox: %s (ref %s) posted as message %s after %d attempt(s), "
                            "%.0f s after it was first tried",
                            key,
                            marker,
                            message.id,
                            intent.attempts + tries,
                            (self._clock.now() - intent.created_at).total_seconds(),
                        )
                    return self._posted(intent, message.id)
            pauses += 1
            await self._pause(min(backoff(pauses), intent.deadline - self._clock.now()))
        return Failed(key, "stopped", "the bot is shutting down; carried on at the next start")

    async def _settle(self, intent: Intent) -> Posted | Failed:
        """A row past its grace: only find out whether it was posted; never send."""
        now = self._clock.now()
        if intent.unsure_since is None:
            await self._rows.finish(intent.key, State.FAILED, now=now)
            log.error(
                "outbox: %s (ref %s) was never posted: its grace ran out during a restart",
                intent.key,
                intent.marker,
            )
            return Failed(intent.key, "expired", intent.last_error or "")
        try:
            found = await self._find(intent)
        except LookupFailed as error:
            return await self._undecided(intent, f"channel history unreadable: {error}")
        if found is not None:
            return await self._found(intent, found)
        await self._rows.finish(intent.key, State.FAILED, now=now)
        log.error(
            "outbox: %s (ref %s) is not in channel %s: not posted, and its grace is over "
            "(only its feature may post it again)",
            intent.key,
            intent.marker,
            intent.channel_id,
        )
        return Failed(intent.key, "expired", intent.last_error or "")

    async def _undecided(self, intent: Intent, error: str) -> Failed:
        await self._rows.finish(intent.key, State.UNKNOWN, now=self._clock.now(), error=error)
        log.error(
            "outbox: %s (ref %s) may or may not be in channel %s (%s); it is looked for again "
            "at the next start and never posted twice",
            intent.key,
            intent.marker,
            intent.channel_id,
            error,
        )
        return Failed(intent.key, "unknown", error)

    async def _found(self, intent: Intent, message_id: int) -> Posted:
        await self._rows.sent(intent.key, message_id, now=self._clock.now())
        log.info(
            "outbox: %s (ref %s) was posted after all: found in channel %s as message %s",
            intent.key,
            intent.marker,
            intent.channel_id,
            message_id,
        )
        return self._posted(intent, message_id, recovered=True)

    async def _refused(self, intent: Intent, error: Exception, *, doubt: bool) -> Posted | Failed:
        """Discord refused this attempt; an earlier doubtful one may still have posted it."""
        now = self._clock.now()
        if isinstance(error, discord.NotFound) and error.code == 10008:
            # The nonce of a message deleted since: it was posted, and someone removed it.
            await self._rows.finish(intent.key, State.DELETED, now=now, error=describe(error))
            log.info(
                "outbox: %s (ref %s) was posted and deleted since; not posting it again",
                intent.key,
                intent.marker,
            )
            return Failed(intent.key, "deleted", describe(error), 404, error.code)
        if doubt:
            try:
                found = await self._find(intent)
            except LookupFailed:
                found = None
            if found is not None:
                return await self._found(intent, found)
        await self._rows.finish(intent.key, State.FAILED, now=now, error=describe(error))
        log.warning(
            "outbox: %s (ref %s) refused by Discord in channel %s: %s",
            intent.key,
            intent.marker,
            intent.channel_id,
            describe(error),
        )
        return self._refusal(intent.key, error)

    # -- Discord -----------------------------------------------------------------------------------

    def _channel(self, intent: Intent) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(intent.channel_id, guild_id=intent.guild_id)

    async def _find(self, intent: Intent) -> int | None:
        """The id of the bot's message carrying ``intent``'s marker among the channel's recent
        messages; None if it is not there. Raises :class:`LookupFailed` when history cannot tell."""
        me = self._client.user
        if me is None:
            raise LookupFailed("not logged in")
        if not self._may_read_history(intent):
            # Discord answers an empty history without the permission: that proves nothing.
            raise LookupFailed("no Read Message History permission")
        try:
            async with asyncio.timeout(self.attempt_timeout):
                async for message in self._channel(intent).history(limit=self.history_limit):
                    footers = [embed.footer.text or "" for embed in message.embeds]
                    if message.author.id == me.id and carries_marker(
                        message.content, footers, intent.marker
                    ):
                        return message.id
        except Exception as error:
            if classify(error) is None:
                raise
            raise LookupFailed(describe(error)) from error
        return None

    def _may_read_history(self, intent: Intent) -> bool:
        """False only when the cached permissions say so (before READY nothing is cached)."""
        guild = self._client.get_guild(intent.guild_id) if intent.guild_id else None
        channel = guild.get_channel(intent.channel_id) if guild is not None else None
        if guild is None or channel is None or guild.me is None:
            return True
        return channel.permissions_for(guild.me).read_message_history

    # -- helpers -----------------------------------------------------------------------------------

    def _may_go_on(self, *, first: bool) -> bool:
        """Whether to take a step: always while running; once closed, only a call's first one."""
        if not self._stopping.is_set():
            return True
        return first and not self._client.is_closed()

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def _salt_value(self) -> str:
        if not self._salt:
            self._salt = await self._rows.salt()
        return self._salt

    async def _clock_sleep(self, event_seconds: float) -> None:
        await asyncio.sleep(self._clock.real_seconds(event_seconds))

    async def _pause(self, delay: timedelta) -> None:
        """Sleep ``delay`` (event time) unless the outbox stops first."""
        if delay <= timedelta(0):
            return
        stop = asyncio.ensure_future(self._stopping.wait())
        nap = asyncio.ensure_future(self.sleep(delay.total_seconds()))
        try:
            await asyncio.wait({stop, nap}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            nap.cancel()

    def _posted(
        self,
        intent: Intent,
        message_id: int | None = None,
        *,
        recovered: bool = False,
        outdated: bool = False,
    ) -> Posted:
        found = message_id if message_id is not None else intent.message_id
        assert found is not None
        return Posted(intent.key, intent.channel_id, found, intent.guild_id, recovered, outdated)

    def _result(self, intent: Intent) -> Posted | Failed:
        if intent.state is State.SENT:
            return self._posted(intent)
        reason: FailReason = "deleted" if intent.state is State.DELETED else "expired"
        return Failed(intent.key, reason, intent.last_error or "")

    @staticmethod
    def _refusal(key: str, error: Exception) -> Failed:
        if isinstance(error, discord.HTTPException):
            return Failed(key, "refused", describe(error), error.status, error.code)
        return Failed(key, "refused", describe(error))


def _log_failure(task: asyncio.Task[list[Posted | Failed]]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox: start-up recovery failed", exc_info=task.exception())
