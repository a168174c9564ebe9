"""The services container handed to every cog, and the typed seams between features.

No module-level singletons and no reaching across cogs: a feature that others read implements one of
the Protocols below and registers itself here; the others read it through the Protocol, so mypy
checks every seam.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

import aiohttp

from bot.clock import Clock
from bot.config import Config, Localized, ProgramTimes
from bot.guilds import GuildSettings, event_guild_ids, guild_settings
from bot.i18n import Catalog
from bot.ops.metrics import Metrics
from bot.program import Session, effective_program
from bot.settings import Settings
from bot.store import Store

if TYPE_CHECKING:
    from bot.scheduler import AsyncIOScheduler

log = logging.getLogger(__name__)

T = TypeVar("T")


class ProgramSource(Protocol):
    """The program as the day runs now (after moderators' delays)."""

    async def sessions(self) -> Sequence[Session]: ...


class StatusSource(Protocol):
    """A feature that reports on itself in ``/admin status``."""

    async def status_fields(self, locale: str) -> list[tuple[str, str]]: ...


# -- what happened on the day: read by the after-stream recap (cogs/recap) ---------------------------

#: Custom events the live feature dispatches (``bot.dispatch(name, record)`` with a
#: :class:`StreamRecord`); listeners are ``on_stream_ended`` / ``on_recording_ready``. Each may come
#: more than once (a restart): listeners make their work idempotent.
STREAM_ENDED_EVENT = "stream_ended"
RECORDING_READY_EVENT = "recording_ready"

#: The recording behind a stream: "none" until the stream has ended, "processing" while YouTube
#: prepares it, "ready" to watch, "unavailable" when it was still not ready when the relay gave up.
RecordingState = Literal["none", "processing", "ready", "unavailable"]


@dataclass(frozen=True, slots=True)
class ViewerCount:
    at: datetime
    viewers: int


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """The event's stream as the live relay saw it (times aware, UTC)."""

    video_id: str
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    #: Concurrent viewers as polled, oldest first.
    samples: tuple[ViewerCount, ...] = ()
    recording: RecordingState = "none"

    @property
    def link(self) -> str:
        return f"https://youtu.be/{self.video_id}"

    @property
    def replay_link(self) -> str | None:
        """The recording's link once it can be watched."""
        return self.link if self.recording == "ready" else None


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    """The day's reminders: posts made and the viewers who asked for them."""

    sent: int
    dm_sent: int
    dm_optins: int
    #: Members holding the opt-in reminder role; None when the feature cannot tell.
    role_optins: int | None = None


@dataclass(frozen=True, slots=True)
class FaqUse:
    entry_id: str
    question: Localized
    uses: int


@dataclass(frozen=True, slots=True)
class UnansweredText:
    """A question no FAQ entry answered, verbatim, and how often it was asked."""

    text: str
    asked: int


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A viewer's ``/ask`` question, verbatim (hidden ones are left out)."""

    text: str
    votes: int
    answered: bool
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """What viewers asked: FAQ outcomes and the ``/ask`` queue."""

    faq_answered: int
    faq_suggested: int
    faq_unanswered: int
    #: Most used entries first.
    top_faq: tuple[FaqUse, ...] = ()
    #: Most asked first.
    unanswered: tuple[UnansweredText, ...] = ()
    #: Most votes first.
    asked: tuple[AskedQuestion, ...] = ()


class StreamRecordSource(Protocol):
    """The live feature: the event's stream, or None when none was seen."""

    async def stream_record(self) -> StreamRecord | None: ...


class ReminderRecordSource(Protocol):
    """The schedule feature: the reminders of the day."""

    async def reminder_record(self) -> ReminderRecord: ...


class QuestionRecordSource(Protocol):
    """The FAQ feature: the questions of the day."""

    async def question_record(self) -> QuestionRecord: ...


class SessionMarkSource(Protocol):
    """The recap feature: session id → when a moderator marked it as actually started (aware UTC).

    The schedule passes these to :func:`bot.program.plan_delay` (``marks=``) so ``/admin delay``
    leaves a marked session where it is."""

    async def start_marks(self) -> Mapping[str, datetime]: ...


class YouTubeStatus(Protocol):
    """The live relay's state as ``/healthz`` and ``/metrics`` read it."""

    @property
    def mode(self) -> str: ...
    @property
    def last_success(self) -> datetime | None: ...
    @property
    def units_used(self) -> int: ...
    @property
    def units_left(self) -> int: ...
    @property
    def live(self) -> Sequence[object]: ...


class YouTubeUsage(Protocol):
    """Requests sent in the current quota day."""

    @property
    def calls(self) -> int: ...
    @property
    def failures(self) -> int: ...


class QuotaLedgerView(Protocol):
    def usage(self) -> YouTubeUsage: ...


class YouTubeStatusSource(Protocol):
    """The live feature registers its relay here while it runs (``services.youtube_status``)."""

    def status(self) -> YouTubeStatus: ...
    @property
    def ledger(self) -> QuotaLedgerView: ...


class ConfiguredProgram:
    """The program exactly as configured: what features read when the schedule feature is not loaded."""

    def __init__(self, config: Config) -> None:
        self._config = config

    async def sessions(self) -> Sequence[Session]:
        return effective_program(self._config)


@dataclass
class Services:
    config: Config
    settings: Settings
    store: Store
    clock: Clock
    catalog: Catalog
    http: aiohttp.ClientSession | None = None
    #: Counters for ``/metrics`` (counts nothing while the endpoint is off).
    metrics: Metrics = field(default_factory=Metrics)
    #: The live relay while the live feature runs, for ``/healthz`` and ``/metrics``.
    youtube_status: YouTubeStatusSource | None = None
    #: Replaced by the schedule feature while it runs (delays move sessions).
    program: ProgramSource = field(init=False)
    #: ``/admin status`` sections by feature name, in the order the features registered.
    status_sources: dict[str, StatusSource] = field(default_factory=dict)
    #: What happened on the day, each set by its feature while it runs (None: not loaded).
    stream_records: StreamRecordSource | None = None
    reminder_records: ReminderRecordSource | None = None
    question_records: QuestionRecordSource | None = None
    session_marks: SessionMarkSource | None = None
    #: Feature objects that other parts of the same feature reach without a constructor (persistent
    #: views that discord.py builds from a custom id), keyed by their class.
    _provided: dict[type, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.program = ConfiguredProgram(self.config)

    @cached_property
    def scheduler(self) -> AsyncIOScheduler:
        """APScheduler, created (and imported, ~25 ms) when a feature first plans a job: the
        features load after READY (bot/core.py), so its cost is not on the way to READY."""
        from bot.scheduler import new_scheduler

        return new_scheduler()

    @property
    def scheduler_running(self) -> bool:
        """Whether the scheduler runs, without creating it (for health checks)."""
        return "scheduler" in self.__dict__ and self.scheduler.running

    def shutdown_scheduler(self) -> None:
        if self.scheduler_running:
            self.scheduler.shutdown(wait=False)

    def t(self, key: str, locale: str, /, **values: object) -> str:
        return self.catalog.t(key, locale, **values)

    def use_program(self, source: ProgramSource | None) -> None:
        """Let ``source`` answer for the program; ``None`` goes back to the configured one."""
        self.program = source if source is not None else ConfiguredProgram(self.config)

    async def program_times(self) -> ProgramTimes:
        """Each session's (start, end) as the day runs now; the configured times if the source fails."""
        try:
            sessions = await self.program.sessions()
        except Exception:
            log.exception("the program source failed; using the configured times")
            sessions = effective_program(self.config)
        return {session.id: (session.start, session.end) for session in sessions}

    def provide(self, kind: type[T], value: T) -> None:
        self._provided[kind] = value

    def withdraw(self, kind: type[object]) -> None:
        self._provided.pop(kind, None)

    def provided(self, kind: type[T]) -> T | None:
        value = self._provided.get(kind)
        return value if isinstance(value, kind) else None

    async def guild(self, guild_id: int) -> GuildSettings:
        return await guild_settings(self.store, self.config, guild_id)

    async def event_guilds(self) -> list[GuildSettings]:
        return [await self.guild(gid) for gid in event_guild_ids(self.config)]
