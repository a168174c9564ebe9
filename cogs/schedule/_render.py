"""Texts of the schedule feature as plain data: the cogs and the feature turn them into messages.

Every string comes from the catalog (``bot/locales/schedule.toml``). Times are shown twice: as
Discord ``<t:...>`` markup, which each viewer sees in their own zone, and as HH:MM in the event's
zone with its label (``13:00 KST``) for screenshots, DMs and anyone who reads along on a projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.config import Config, Locale
from bot.program import DelayPlan, DelayRefusal, Session, current_and_next
from bot.text import clip
from bot.timefmt import discord_ts, hhmm, zone_label
from cogs.schedule._reminders import Reminder

# Discord limits (characters).
CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
DISCORD_EVENT_NAME_MAX = 100
DISCORD_EVENT_DESCRIPTION_MAX = 1000
DISCORD_EVENT_LOCATION_MAX = 100

COLOUR_REMINDER = 0x5865F2
COLOUR_NOW = 0xED4245
COLOUR_NOTICE = 0xFEE75C

RemindReply = Literal[
    "on",
    "off",
    "already_on",
    "already_off",
    "no_role",
    "unsafe_role",
    "cannot_assign",
    "dm_on",
    "dm_off",
    "dm_closed",
]


class Translate(Protocol):
    """The catalog's ``t`` (``bot.i18n.Catalog.t`` / ``Services.t``)."""

    def __call__(self, key: str, locale: str, /, **values: object) -> str: ...


@dataclass(frozen=True, slots=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class EmbedData:
    title: str
    description: str = ""
    fields: tuple[EmbedField, ...] = ()
    footer: str = ""
    url: str = ""
    colour: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """In ``discord.Embed.from_dict`` form, clipped to Discord's limits."""
        data: dict[str, Any] = {"type": "rich", "title": clip(self.title, EMBED_TITLE_MAX)}
        if self.description:
            data["description"] = clip(self.description, EMBED_DESCRIPTION_MAX)
        if self.fields:
            data["fields"] = [
                {
                    "name": clip(f.name, FIELD_NAME_MAX),
                    "value": clip(f.value, FIELD_VALUE_MAX),
                    "inline": f.inline,
                }
                for f in self.fields[:25]
            ]
        if self.footer:
            data["footer"] = {"text": clip(self.footer, FOOTER_MAX)}
        if self.url:
            data["url"] = self.url
        if self.colour is not None:
            data["color"] = self.colour
        return data


@dataclass(frozen=True, slots=True)
class MessageData:
    content: str
    embed: EmbedData | None = None
    #: The one role this message may ping (0: none). The cog passes exactly this role in
    #: ``allowed_mentions`` (``bot.mentions.only_role``), never parsing mentions from text.
    mention_role_id: int = 0


@dataclass(frozen=True, slots=True)
class DiscordEventSpec:
    """What the day's Discord Scheduled Event (EXTERNAL) should look like."""

    name: str
    description: str
    location: str
    start: datetime
    end: datetime


@dataclass(slots=True)
class ScheduleTexts:
    """Renders every schedule text for one event config and catalog."""

    config: Config
    t: Translate

    # -- helpers ----------------------------------------------------------------------------------

    def zone(self, moment: datetime) -> str:
        return zone_label(moment, self.config.tz)

    def hm(self, moment: datetime, *, seconds: bool = False) -> str:
        """HH:MM in the event's zone (HH:MM:SS for compressed rehearsal times)."""
        if seconds:
            return moment.astimezone(self.config.tz).strftime("%H:%M:%S")
        return hhmm(moment, self.config.tz)

    def duration(self, value: timedelta, locale: Locale) -> str:
        """ "30분" / "30 min", "1시간 5분" / "1 h 5 min"; seconds below a minute (rehearsals)."""
        seconds = max(0, round(value.total_seconds()))
        if seconds < 60:
            return self.t("schedule.duration.seconds", locale, seconds=seconds)
        hours, minutes = divmod((seconds + 30) // 60, 60)  # to the nearest minute
        if not hours:
            return self.t("schedule.duration.minutes", locale, minutes=minutes)
        if not minutes:
            return self.t("schedule.duration.hours", locale, hours=hours)
        return self.t("schedule.duration.hours_minutes", locale, hours=hours, minutes=minutes)

    def _times(self, session: Session) -> dict[str, str]:
        return {
            "start_t": discord_ts(session.start, "t"),
            "end_t": discord_ts(session.end, "t"),
            "start_hm": self.hm(session.start),
            "end_hm": self.hm(session.end),
            "zone": self.zone(session.start),
        }

    def _session_fields(
        self, session: Session, following: Session | None, locale: Locale
    ) -> list[EmbedField]:
        fields = [
            EmbedField(
                self.t("schedule.field.time", locale),
                self.t("schedule.field.time_value", locale, **self._times(session)),
            )
        ]
        if session.speakers is not None:
            fields.append(
                EmbedField(self.t("schedule.field.speakers", locale), session.speakers.get(locale))
            )
        link = self.config.youtube.stream_link
        if link:
            fields.append(EmbedField(self.t("schedule.field.watch", locale), link))
        if following is not None:
            times = self._times(following)
            fields.append(
                EmbedField(
                    self.t("schedule.field.next", locale),
                    f"{following.title.get(locale)} · {times['start_t']} "
                    f"({times['start_hm']} {times['zone']})",
                )
            )
        return fields

    # -- reminders --------------------------------------------------------------------------------

    def reminder_headline(
        self, reminder: Reminder, locale: Locale, *, late: bool, now: datetime
    ) -> str:
        """The first line: the reminder's own session first, with how long until it starts."""
        title = reminder.session.title.get(locale)
        if not late:
            if reminder.starts_now:
                text = self.t("schedule.reminder.starting_now", locale, title=title)
            else:
                text = self.t(
                    "schedule.reminder.starts_in",
                    locale,
                    title=title,
                    duration=self.duration(reminder.offset, locale),
                )
            return text
        # A late reminder tells the truth about now, not what the offset said it would be.
        remaining = reminder.session.start - now
        if remaining > timedelta(0):
            text = self.t(
                "schedule.reminder.starts_in",
                locale,
                title=title,
                duration=self.duration(remaining, locale),
            )
        elif -remaining < timedelta(minutes=1):
            text = self.t("schedule.reminder.starting_now", locale, title=title)
        else:
            text = self.t(
                "schedule.reminder.started_ago",
                locale,
                title=title,
                duration=self.duration(-remaining, locale),
            )
        return f"{text} {self.t('schedule.reminder.late', locale)}"

    def reminder(
        self,
        reminder: Reminder,
        locale: Locale,
        *,
        late: bool,
        now: datetime,
        role_id: int = 0,
    ) -> MessageData:
        """The announce-channel post. The outbox ends its footer with the post's marker, which
        finds the message again in the channel's history after a crash."""
        headline = self.reminder_headline(reminder, locale, late=late, now=now)
        content = f"<@&{role_id}> {headline}" if role_id > 0 else headline
        session = reminder.session
        embed = EmbedData(
            title=session.title.get(locale),
            description=session.description.get(locale) if session.description else "",
            fields=tuple(self._session_fields(session, reminder.next_session, locale)),
            footer=self.t(
                "schedule.reminder.footer",
                locale,
                event=self.config.event.name.get(locale),
            ),
            url=self.config.youtube.stream_link,
            colour=COLOUR_NOW if reminder.starts_now else COLOUR_REMINDER,
        )
        return MessageData(clip(content, CONTENT_MAX), embed, role_id if role_id > 0 else 0)

    def dm_reminder(
        self, reminder: Reminder, locale: Locale, *, late: bool, now: datetime
    ) -> MessageData:
        base = self.reminder(reminder, locale, late=late, now=now)
        assert base.embed is not None
        footer = self.t("schedule.dm.footer", locale, event=self.config.event.name.get(locale))
        embed = EmbedData(
            title=base.embed.title,
            description=base.embed.description,
            fields=base.embed.fields,
            footer=footer,
            url=base.embed.url,
            colour=base.embed.colour,
        )
        return MessageData(base.content, embed)

    # -- /schedule --------------------------------------------------------------------------------

    def agenda(self, sessions: Sequence[Session], now: datetime, locale: Locale) -> EmbedData:
        current, upcoming = current_and_next(sessions, now)
        lines = [
            self.t(
                "schedule.agenda.header",
                locale,
                date=self.config.event.date.isoformat(),
                venue=self.config.event.venue.get(locale),
            ),
            "",
        ]
        for session in sessions:
            line = self.t(
                "schedule.agenda.line",
                locale,
                title=session.title.get(locale),
                **self._times(session),
            )
            tags: list[str] = []
            if session.shift:
                minutes = round(session.shift.total_seconds() / 60)
                tags.append(self.t("schedule.agenda.moved", locale, minutes=f"{minutes:+d}"))
            if session is current:
                tags.insert(0, self.t("schedule.agenda.now", locale))
                line = f"▶️ **{line}**"
            elif session is upcoming:
                tags.insert(0, self.t("schedule.agenda.next", locale))
                line = f"⏭️ {line}"
            elif session.end <= now:
                line = f"✔️ {line}"
            else:
                line = f"▫️ {line}"
            if tags:
                line += " — " + ", ".join(tags)
            lines.append(line)
        link = self.config.youtube.stream_link
        fields = (EmbedField(self.t("schedule.field.watch", locale), link),) if link else ()
        return EmbedData(
            title=self.t("schedule.agenda.title", locale, event=self.config.event.name.get(locale)),
            description="\n".join(lines),
            fields=fields,
            footer=self.t("schedule.agenda.footer", locale),
            url=link,
            colour=COLOUR_REMINDER,
        )

    # -- /next ------------------------------------------------------------------------------------

    def next_text(self, sessions: Sequence[Session], now: datetime, locale: Locale) -> str:
        current, upcoming = current_and_next(sessions, now)
        if current is not None and upcoming is not None:
            times = self._times(upcoming)
            text = self.t(
                "schedule.next.now_and_next",
                locale,
                title=current.title.get(locale),
                end_hm=self.hm(current.end),
                next_title=upcoming.title.get(locale),
                start_t=times["start_t"],
                start_hm=times["start_hm"],
                zone=times["zone"],
                duration=self.duration(upcoming.start - now, locale),
            )
        elif current is not None:
            text = self.t(
                "schedule.next.now_last",
                locale,
                title=current.title.get(locale),
                end_hm=self.hm(current.end),
                zone=self.zone(current.end),
            )
        elif upcoming is not None:
            times = self._times(upcoming)
            text = self.t(
                "schedule.next.upcoming",
                locale,
                title=upcoming.title.get(locale),
                start_t=times["start_t"],
                start_hm=times["start_hm"],
                zone=times["zone"],
                start_r=discord_ts(upcoming.start, "R"),
                duration=self.duration(upcoming.start - now, locale),
            )
        else:
            return self.t("schedule.next.over", locale)
        link = self.config.youtube.stream_link
        if link:
            text += "\n" + self.t("schedule.next.watch", locale, link=link)
        return clip(text, CONTENT_MAX)

    # -- /admin delay -----------------------------------------------------------------------------

    def delay_notice(
        self, plan: DelayPlan, sessions: Sequence[Session], locale: Locale
    ) -> MessageData:
        """The one announce-channel post after a delay: the moved sessions with their new times."""
        by_id = {s.id: s for s in sessions}
        key = "schedule.delay.notice.later" if plan.minutes > 0 else "schedule.delay.notice.earlier"
        headline = self.t(key, locale, duration=self.duration(abs(plan.delta), locale))
        lines = []
        for moved in plan.moved:
            session = by_id.get(moved.session_id)
            title = session.title.get(locale) if session else moved.session_id
            lines.append(
                self.t(
                    "schedule.delay.notice.line",
                    locale,
                    title=title,
                    old_hm=self.hm(moved.old_start),
                    new_hm=self.hm(moved.new_start),
                    zone=self.zone(moved.new_start),
                    new_t=discord_ts(moved.new_start, "t"),
                )
            )
        embed = EmbedData(
            title=self.t("schedule.delay.notice.title", locale),
            description="\n".join(lines),
            colour=COLOUR_NOTICE,
            url=self.config.youtube.stream_link,
        )
        return MessageData(headline, embed)

    def delay_done(self, plan: DelayPlan, version: int, locale: Locale) -> str:
        return self.t(
            "schedule.delay.done_one" if len(plan.moved) == 1 else "schedule.delay.done",
            locale,
            count=len(plan.moved),
            minutes=f"{plan.minutes:+d}",
            version=version,
        )

    def delay_refusal(self, refusal: DelayRefusal, locale: Locale) -> str:
        """The moderator's explanation; always ends with "nothing was changed"."""
        earliest = refusal.earliest_minutes if refusal.earliest_minutes is not None else 0
        if refusal.reason == "zero":
            text = self.t("schedule.delay.refused.zero", locale)
        elif refusal.reason == "out_of_range":
            text = self.t("schedule.delay.refused.out_of_range", locale, max=refusal.max_minutes)
        elif refusal.reason == "nothing_to_move":
            text = self.t("schedule.delay.refused.nothing_to_move", locale)
        elif refusal.reason == "before_now":
            text = self.t("schedule.delay.refused.before_now", locale, earliest=abs(earliest))
        else:
            conflict = refusal.conflict
            text = self.t(
                "schedule.delay.refused.overlap",
                locale,
                title=conflict.title.get(locale) if conflict else "?",
                end_hm=self.hm(conflict.end) if conflict else "?",
                zone=self.zone(conflict.end) if conflict else "",
                earliest=abs(earliest),
            )
        return f"{text} {self.t('schedule.delay.nothing_changed', locale)}"

    # -- /admin reminders -------------------------------------------------------------------------

    def preview(self, reminders: Sequence[Reminder], locale: Locale, *, paused: bool) -> EmbedData:
        lines: list[str] = []
        if paused:
            lines += [self.t("schedule.preview.paused", locale), ""]
        for reminder in reminders:
            if reminder.starts_now:
                what = self.t("schedule.preview.starting_now", locale)
            else:
                what = self.t(
                    "schedule.preview.starts_in",
                    locale,
                    duration=self.duration(reminder.offset, locale),
                )
            lines.append(
                self.t(
                    "schedule.preview.line",
                    locale,
                    due_t=discord_ts(reminder.due, "T"),
                    due_hm=self.hm(reminder.due, seconds=bool(reminder.due.second)),
                    zone=self.zone(reminder.due),
                    title=reminder.session.title.get(locale),
                    what=what,
                )
            )
        if not reminders:
            lines.append(self.t("schedule.preview.empty", locale))
        return EmbedData(
            title=self.t("schedule.preview.title", locale),
            description="\n".join(lines),
            colour=COLOUR_REMINDER,
        )

    def pause_reply(self, changed: bool, locale: Locale) -> str:
        return self.t("schedule.pause.done" if changed else "schedule.pause.already", locale)

    def resume_reply(self, changed: bool, locale: Locale) -> str:
        return self.t("schedule.resume.done" if changed else "schedule.resume.already", locale)

    # -- opt-in -----------------------------------------------------------------------------------

    def remind_reply(self, reply: RemindReply, locale: Locale, *, role: str = "") -> str:
        """Replies to /remind and the "Remind me" button; ``role`` is the role's display name."""
        if reply == "on":
            return self.t("schedule.remind.on", locale, role=role)
        if reply == "already_on":
            return self.t("schedule.remind.already_on", locale, role=role)
        if reply == "unsafe_role":
            return self.t("schedule.remind.unsafe_role", locale, role=role)
        keys: dict[str, str] = {
            "off": "schedule.remind.off",
            "already_off": "schedule.remind.already_off",
            "no_role": "schedule.remind.no_role",
            "cannot_assign": "schedule.remind.cannot_assign",
            "dm_on": "schedule.remind.dm_on",
            "dm_off": "schedule.remind.dm_off",
            "dm_closed": "schedule.remind.dm_closed",
        }
        return self.t(keys[reply], locale)

    # -- Discord Scheduled Event ------------------------------------------------------------------

    def discord_event_spec(self, sessions: Sequence[Session], locale: Locale) -> DiscordEventSpec:
        """The day's EXTERNAL event: name ≤ 100, description ≤ 1000, location ≤ 100 characters."""
        link = self.config.youtube.stream_link
        lines = [
            self.t(
                "schedule.event.line",
                locale,
                start_hm=self.hm(s.start),
                end_hm=self.hm(s.end),
                title=s.title.get(locale),
            )
            for s in sessions
        ]
        zone = self.zone(sessions[0].start) if sessions else self.config.event.timezone
        footer = (
            self.t("schedule.event.footer", locale, zone=zone, link=link)
            if link
            else self.t("schedule.event.footer_no_link", locale, zone=zone)
        )
        # Keep the footer (and its link) whole; cut the program lines instead.
        room = DISCORD_EVENT_DESCRIPTION_MAX - len(footer) - 2
        body = clip("\n".join(lines), max(room, 0))
        description = clip(f"{body}\n\n{footer}" if body else footer, DISCORD_EVENT_DESCRIPTION_MAX)
        location = link if link and len(link) <= DISCORD_EVENT_LOCATION_MAX else ""
        if not location:
            location = self.config.event.venue.get(locale)
        return DiscordEventSpec(
            name=clip(self.config.event.name.get(locale), DISCORD_EVENT_NAME_MAX),
            description=description,
            location=clip(location, DISCORD_EVENT_LOCATION_MAX),
            start=min(s.start for s in sessions),
            end=max(s.end for s in sessions),
        )


class AgendaCache:
    """``/schedule``'s agenda changes only when a session starts or ends, or with the program or
    the texts (a delay, a config reload): rendered once per such state and language, not per call."""

    def __init__(self) -> None:
        self._texts: ScheduleTexts | None = None
        self._sessions: Sequence[Session] = ()
        self._agendas: dict[tuple[object, ...], EmbedData] = {}

    def agenda(
        self, texts: ScheduleTexts, sessions: Sequence[Session], now: datetime, locale: Locale
    ) -> EmbedData:
        if texts is not self._texts or sessions is not self._sessions:
            self._texts, self._sessions, self._agendas = texts, sessions, {}
        current, upcoming = current_and_next(sessions, now)
        ended = tuple(s.index for s in sessions if s.end <= now)
        key = (locale, _index(current), _index(upcoming), ended)
        agenda = self._agendas.get(key)
        if agenda is None:
            agenda = self._agendas[key] = texts.agenda(sessions, now, locale)
        return agenda


def _index(session: Session | None) -> int:
    return -1 if session is None else session.index
