"""The running recap feature: marks, chapters, the replay post and the organisers' report.

Reads the other features only through the typed seams on the services container (the program, the
stream, reminder and question records): each may be missing, and the report then says "not
available" for that part. Registers itself as ``services.session_marks`` so the schedule's
``/admin delay`` can leave a marked session where it is.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.config import Locale
from bot.errors import UserError
from bot.mentions import NO_MENTIONS
from bot.outbox import Attachment, Draft, Failed
from bot.program import Session, effective_program
from bot.services import QuestionRecord, ReminderRecord, StreamRecord
from bot.tasks import BackgroundTasks
from bot.timefmt import zone_label
from cogs.recap._chapters import ChapterList, build_chapters
from cogs.recap._chart import chart_layout, chart_png
from cogs.recap._csv import questions_csv, viewers_csv
from cogs.recap._render import (
    CHART_FILE,
    QUESTIONS_FILE,
    VIEWERS_FILE,
    replay_reply,
    replay_text,
    report_embed,
)
from cogs.recap._report import AuditEntry, build_report, event_day_actions, report_due
from cogs.recap._store import PostClaim, RecapStore
from cogs.recap._timeline import DaySession, MarkKind, day_sessions

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

FEATURE = "recap"
REPORT_JOB_ID = "recap:report"
#: A report this late (the bot was down) is no longer posted by itself; /admin report still works.
REPORT_GIVE_UP = timedelta(hours=24)
#: While the stream runs past the program, look again this often (its end also re-plans at once).
REPORT_RECHECK = timedelta(minutes=10)
AUDIT_ENTRIES = 1000
#: A job may wake a hair before the event clock reaches its time (scaled clocks): close enough.
DUE_TOLERANCE = timedelta(seconds=1)
#: How long the outbox keeps trying a replay post or an automatic report through Discord's failures.
POST_GRACE = timedelta(minutes=30)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReportBundle:
    """A rendered report: an embed (as a dict) and its attachments."""

    embed: dict[str, Any]
    files: tuple[tuple[str, bytes], ...]

    def discord_files(self) -> list[discord.File]:
        return [discord.File(io.BytesIO(data), filename=name) for name, data in self.files]


class RecapFeature:
    def __init__(self, bot: CompanionBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.store = RecapStore(self.services.store, self.services.config.event.date)
        # One post decision at a time: a dispatch and the start-up check must not both post.
        self._post_lock = asyncio.Lock()
        self.background = BackgroundTasks("recap", log)

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        self.services.session_marks = self
        await self.plan_report()
        self.background.spawn(self._catch_up(), "replay check at start-up")

    async def stop(self) -> None:
        if self.services.scheduler.get_job(REPORT_JOB_ID) is not None:
            self.services.scheduler.remove_job(REPORT_JOB_ID)
        self.background.cancel()
        if self.services.session_marks is self:
            self.services.session_marks = None

    async def reconfigure(self) -> None:
        """A reloaded config (maybe another date): marks are per event date; re-plan the report."""
        self.store = RecapStore(self.services.store, self.services.config.event.date)
        await self.plan_report()

    async def settle(self) -> None:
        """Wait for the background work started so far (for tests and shutdown)."""
        await self.background.settle()

    async def _catch_up(self) -> None:
        """A recording that became ready while the bot was down is posted now."""
        await self.bot.wait_until_ready()
        record = await self.stream()
        if record is not None and record.replay_link is not None:
            await self.post_replay(record)

    # -- the day as it happened ---------------------------------------------------------------------

    async def program(self) -> Sequence[Session]:
        try:
            return await self.services.program.sessions()
        except Exception:
            log.exception("recap: the program source failed; using the configured times")
            return effective_program(self.services.config)

    async def day(self) -> list[DaySession]:
        return day_sessions(await self.program(), await self.store.marks())

    async def start_marks(self) -> dict[str, datetime]:
        """For the schedule (``services.session_marks``): the sessions marked as started."""
        marks = await self.store.marks()
        return {m.session_id: m.at for m in marks.values() if m.kind == "start" and m.at}

    async def mark(
        self, session_id: str, kind: MarkKind, at: datetime | None, *, guild_id: int, user_id: int
    ) -> tuple[DaySession, DaySession]:
        """Record a mark; (the session before, after). The latest mark of a session wins."""
        before = next(s for s in await self.day() if s.id == session_id)
        await self.store.add_mark(
            session_id, kind, at, guild_id=guild_id, user_id=user_id, now=self.services.clock.now()
        )
        after = next(s for s in await self.day() if s.id == session_id)
        log.info("session %s marked %s at %s by user %s", session_id, kind, at, user_id)
        return before, after

    # -- other features' records (a failing feature is "not available", never a failed command) ----

    async def _read(self, source: Callable[[], Awaitable[T]] | None, what: str) -> T | None:
        if source is None:
            return None
        try:
            return await source()
        except Exception:
            log.exception("recap: reading the %s failed", what)
            return None

    async def stream(self) -> StreamRecord | None:
        source = self.services.stream_records
        return await self._read(source.stream_record if source else None, "stream record")

    async def reminders(self) -> ReminderRecord | None:
        source = self.services.reminder_records
        return await self._read(source.reminder_record if source else None, "reminder record")

    async def questions(self) -> QuestionRecord | None:
        source = self.services.question_records
        return await self._read(source.question_record if source else None, "question record")

    # -- chapters and the replay ----------------------------------------------------------------------

    async def chapters(self, locale: Locale) -> ChapterList:
        stream = await self.stream()
        if stream is None or stream.actual_start is None:
            raise UserError("recap.chapters.no_stream")
        return build_chapters(
            await self.day(),
            stream.actual_start,
            stream.actual_end,
            locale,
            intro_title=self.services.t("recap.chapters.intro_title", locale),
        )

    async def replay_reply(self, locale: Locale) -> str:
        day = await self.day()
        program = await self.program()
        return replay_reply(
            await self.stream(),
            day,
            program_start=min(s.start for s in program),
            program_end=max(s.end for s in program),
            event_name=self.services.config.event.name.get(locale),
            t=self.services.t,
            locale=locale,
        )

    async def post_replay(self, record: StreamRecord) -> int:
        """Post the replay once per event server (announce channel); how many were posted now."""
        if record.replay_link is None:
            return 0
        services, posted = self.services, 0
        async with self._post_lock:
            day = await self.day()
            for settings in await services.event_guilds():
                if not settings.announce_channel_id:
                    log.info("no announce channel in server %s for the replay", settings.guild_id)
                    continue
                claim = await self.store.claim_post(
                    "replay", record.video_id, settings.guild_id, now=services.clock.now()
                )
                if claim is None:
                    continue
                text = replay_text(
                    record,
                    day,
                    services.config.event.name.get(settings.locale),
                    services.t,
                    settings.locale,
                )
                channel = self.bot.get_partial_messageable(
                    settings.announce_channel_id, guild_id=settings.guild_id
                )
                message_id = await self._send(claim, channel, content=text)
                posted += message_id is not None
        return posted

    async def _send(
        self,
        claim: PostClaim,
        channel: discord.abc.Messageable,
        *,
        content: str,
        embed: discord.Embed | None = None,
        files: Sequence[tuple[str, bytes]] = (),
    ) -> int | None:
        """Post a claimed message through the core outbox and record it; None when it was not posted.

        The outbox makes it once (intent first, nonce, retries inside the grace, the channel's history
        after a crash); the claim records that the recap decided to post it.
        """
        channel_id = getattr(channel, "id", 0)
        draft = Draft.of(
            content,
            mentions=NO_MENTIONS,
            embeds=[embed] if embed is not None else [],
            files=[Attachment(name, data) for name, data in files],
        )
        result = await self.bot.outbox.post(
            channel_id,
            key=f"recap:{claim.kind}:{claim.guild_id}:{claim.key}",
            draft=draft,
            grace=POST_GRACE,
            guild_id=claim.guild_id,
        )
        if isinstance(result, Failed):
            log.warning(
                "recap %s post to server %s failed: %s", claim.kind, claim.guild_id, result.reason
            )
            if result.reason == "refused":
                # Certainly not posted: a later attempt may try again.
                await self.store.release_post(claim)
            return None
        await self.store.finish_post(
            claim,
            "sent",
            now=self.services.clock.now(),
            channel_id=result.channel_id,
            message_id=result.message_id,
        )
        return result.message_id

    # -- the report -----------------------------------------------------------------------------------

    async def report(self, locale: Locale) -> ReportBundle:
        services = self.services
        config = services.config
        day = await self.day()
        stream = await self.stream()
        entries = await services.store.audit_entries(config.discord.guild_id, AUDIT_ENTRIES)
        audit = [
            AuditEntry(str(e["action"]), int(e["user_id"]), datetime.fromisoformat(e["at"]))
            for e in entries
        ]
        report = build_report(
            day,
            stream,
            await self.reminders(),
            await self.questions(),
            event_day_actions(audit, config.event.date, config.tz),
        )
        samples = stream.samples if stream is not None else ()
        first = stream.actual_start if stream and stream.actual_start else min(s.start for s in day)
        layout = chart_layout(
            samples,
            report.sessions,
            stream,
            config.tz,
            services.t,
            locale,
            zone_label=zone_label(first, config.tz),
        )
        # Drawing takes a moment: off the event loop (the object API has no global state).
        png = await asyncio.to_thread(chart_png, layout)
        embed = report_embed(
            report,
            event_name=config.event.name.get(locale),
            tz=config.tz,
            t=services.t,
            locale=locale,
        )
        return ReportBundle(
            embed,
            (
                (CHART_FILE, png),
                (VIEWERS_FILE, viewers_csv(samples, report.sessions, config.tz, locale)),
                (QUESTIONS_FILE, questions_csv(report.questions)),
            ),
        )

    async def plan_report(self) -> None:
        """Schedule the automatic report for 10 minutes after the end (or post it now if due)."""
        services = self.services
        guild_id = services.config.discord.guild_id
        key = services.config.event.date.isoformat()
        if await self.store.post_state("report", key, guild_id) in ("sent", "logged"):
            return
        program = await self.program()
        due = report_due(await self.stream(), max(s.end for s in program))
        now = services.clock.now()
        if due is None:
            due = now + REPORT_RECHECK  # still live: look again (its end re-plans sooner)
        elif due <= now + DUE_TOLERANCE:
            if now - due <= REPORT_GIVE_UP:
                self.background.spawn(self.post_auto_report(), "automatic report")
            else:
                log.info("the automatic report was due at %s: too late to post it now", due)
            return
        services.scheduler.add_job(
            self.plan_report,
            "date",
            run_date=services.clock.real_time(due),
            id=REPORT_JOB_ID,
            replace_existing=True,
        )
        log.info("automatic report planned for %s", due)

    async def post_auto_report(self) -> None:
        """The report, once, to the event server's audit channel, or to the log when it has none."""
        await self.bot.wait_until_ready()
        services = self.services
        config = services.config
        guild_id = config.discord.guild_id
        async with self._post_lock:
            claim = await self.store.claim_post(
                "report", config.event.date.isoformat(), guild_id, now=services.clock.now()
            )
            if claim is None:
                return
            settings = await services.guild(guild_id) if guild_id else None
            locale = settings.locale if settings is not None else config.discord.locale
            bundle = await self.report(locale)
            channel_id = settings.audit_channel_id if settings is not None else 0
            channel = self.bot.get_channel(channel_id) if channel_id else None
            if not isinstance(channel, discord.TextChannel):
                fields = " | ".join(f"{f['name']}: {f['value']}" for f in bundle.embed["fields"])
                log.info("report (no audit channel): %s | %s", bundle.embed["description"], fields)
                await self.store.finish_post(claim, "logged", now=services.clock.now())
                return
            content = services.t("recap.report.auto_content", locale)
            message_id = await self._send(
                claim,
                channel,
                content=content,
                embed=discord.Embed.from_dict(bundle.embed),
                files=bundle.files,
            )
        if message_id is None:
            await self.bot.notices.tell_once(
                guild_id, "recap_report_failed", "recap.report.failed", avoid_channel=channel_id
            )
