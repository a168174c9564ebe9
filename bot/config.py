"""Event configuration: TOML validated once into frozen dataclasses.

Every problem is reported as ``<file>: <key path>: <problem>`` so an organiser can fix the file without
reading a traceback. Structural problems (types, formats, unknown keys) come from :mod:`bot.schema`; the
checks that need the whole program (order, overlap, duplicate ids) run afterwards on the parsed objects.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schema import Check, NonEmpty, Parse, Range, SchemaError, validate

Locale = Literal["ko", "en"]
LOCALES: tuple[Locale, ...] = ("ko", "en")

_DURATION_PART = re.compile(r"(\d+)\s*(h|m|s)")
_DURATION_FULL = re.compile(r"^\s*(?:\d+\s*[hms]\s*)+$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def parse_duration(value: object) -> timedelta:
    """Parse ``"30m"``, ``"10s"``, ``"1h30m"`` (or a timedelta) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not _DURATION_FULL.match(value):
        raise ValueError(
            f"cannot read duration {value!r}: use a number with s, m or h, e.g. '30m' or '1h30m'"
        )
    seconds = 0
    for amount, unit in _DURATION_PART.findall(value):
        seconds += int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` (``"1h30m"``, ``"0s"``)."""
    total = int(value.total_seconds())
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{seconds}s" if seconds else "",
    ]
    return sign + "".join(parts)


def _parse_clock_time(value: object) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueError(f'expected a time as "HH:MM" or "HH:MM:SS", got {value!r}')
    match = _TIME_RE.match(value.strip())
    if not match:
        raise ValueError(f'cannot read time {value!r}: use "HH:MM" or "HH:MM:SS", e.g. "13:00"')
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{value!r} is not a valid time of day")
    return time(hour, minute, second)


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        raise ValueError(f'cannot read date {value!r}: use "YYYY-MM-DD", e.g. "2022-12-15"')
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a valid calendar date") from None


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'unknown time zone {value!r}: use an IANA name such as "Asia/Seoul"'
        ) from None
    return value


def _program_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(
            f"id {value!r} must be 1-32 lowercase letters, digits, '-' or '_' (e.g. \"lecture\")"
        )
    return value


def _faq_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(f"id {value!r} must be 1-32 lowercase letters, digits, '-' or '_'")
    return value


def _non_negative_unique(value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    if any(v < timedelta(0) for v in value):
        raise ValueError("reminder offsets cannot be negative")
    if len(set(value)) != len(value):
        raise ValueError("reminder offsets must not repeat")
    return tuple(sorted(value, reverse=True))


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError('must be longer than zero, e.g. "10s"')
    return value


def _channel(value: str) -> str:
    if value and not (value.startswith("@") or re.match(r"^UC[\w-]{22}$", value)):
        raise ValueError(
            f'{value!r} is neither a handle ("@name") nor a channel id ("UC" + 22 characters)'
        )
    return value


Duration = Annotated[timedelta, Parse(parse_duration)]
PositiveDuration = Annotated[Duration, Check(_positive)]
#: Session id → (start, end), aware: the program as the day runs now (after delays).
ProgramTimes = Mapping[str, tuple[datetime, datetime]]
ClockTime = Annotated[time, Parse(_parse_clock_time)]
EventDate = Annotated[date, Parse(_parse_date)]
NonEmptyText = Annotated[str, NonEmpty]
DiscordId = Annotated[int, Range(ge=0)]
Port = Annotated[int, Range(ge=0, le=65535)]


@dataclass(frozen=True, slots=True)
class Localized:
    """A text in both languages the bot speaks."""

    ko: NonEmptyText
    en: NonEmptyText

    def get(self, locale: str) -> str:
        return self.ko if locale == "ko" else self.en

    def to_json(self) -> dict[str, str]:
        return {"ko": self.ko, "en": self.en}


@dataclass(frozen=True, slots=True)
class LocalizedList:
    ko: tuple[str, ...] = ()
    en: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return self.ko + self.en

    def to_json(self) -> dict[str, list[str]]:
        return {"ko": list(self.ko), "en": list(self.en)}


@dataclass(frozen=True, slots=True)
class EventSection:
    name: Localized
    date: EventDate
    timezone: Annotated[str, Check(_known_zone)]
    venue: Localized
    homepage: str = ""


@dataclass(frozen=True, slots=True)
class ProgramItem:
    id: Annotated[str, Check(_program_id)]
    start: ClockTime
    end: ClockTime
    title: Localized
    description: Localized | None = None
    speakers: Localized | None = None


@dataclass(frozen=True, slots=True)
class RemindersSection:
    before: Annotated[tuple[Duration, ...], Check(_non_negative_unique)] = (
        timedelta(minutes=30),
        timedelta(minutes=10),
        timedelta(0),
    )
    grace: Duration = timedelta(minutes=10)
    #: Which reminders ping the opt-in reminder role (offsets from ``before``); unset: all of them.
    ping: tuple[Duration, ...] | None = None

    def pings_at(self, offset: timedelta) -> bool:
        return self.ping is None or offset in self.ping


@dataclass(frozen=True, slots=True)
class YouTubeSection:
    channel: Annotated[str, Check(_channel)] = ""
    video_id: str = ""
    poll_active: PositiveDuration = timedelta(seconds=10)
    poll_idle: PositiveDuration = timedelta(minutes=5)
    quota_probe: PositiveDuration = timedelta(minutes=5)
    daily_quota: Annotated[int, Range(ge=1)] = 10_000
    websub_callback_url: str = ""
    websub_port: Port = 8080

    @property
    def stream_link(self) -> str:
        """Where viewers watch: the configured video, else the channel's live page."""
        if self.video_id:
            return f"https://www.youtube.com/watch?v={self.video_id}"
        if self.channel.startswith("@"):
            return f"https://www.youtube.com/{self.channel}/live"
        if self.channel:
            return f"https://www.youtube.com/channel/{self.channel}/live"
        return ""


@dataclass(frozen=True, slots=True)
class DiscordSection:
    guild_id: DiscordId = 0
    announce_channel_id: DiscordId = 0
    qna_channel_id: DiscordId = 0
    audit_channel_id: DiscordId = 0
    reminder_role_id: DiscordId = 0
    moderator_role_id: DiscordId = 0
    locale: Locale = "ko"
    auto_answer_channel_ids: tuple[int, ...] = ()
    auto_answer_cooldown: Duration = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OpsSection:
    """The opt-in health and metrics endpoint (``/healthz``, ``/metrics``); port 0 keeps it off."""

    http_host: str = "127.0.0.1"
    http_port: Port = 0


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """A question viewers ask, answered in both languages.

    Answers may use placeholders filled from the live program at answer time: ``{date}``, ``{start}``,
    ``{end}``, ``{venue}``, ``{stream_link}``, ``{program}``, ``{event_name}`` and ``{start_<id>}`` /
    ``{end_<id>}`` for each program item.
    """

    id: Annotated[str, Check(_faq_id)]
    question: Localized
    answer: Localized
    keywords: LocalizedList = LocalizedList()

    def to_json(self) -> dict[str, Any]:
        """The JSON shape the FAQ store and the audit log keep (``validate(FaqEntry, ...)`` reads it)."""
        return {
            "id": self.id,
            "question": self.question.to_json(),
            "answer": self.answer.to_json(),
            "keywords": self.keywords.to_json(),
        }


#: This event's names and the other spellings viewers type for each (``faq.toml``, ``[faq_synonyms]``):
#: the word the FAQ keywords use → its short forms, nicknames and translations.
FaqSynonyms = dict[NonEmptyText, tuple[NonEmptyText, ...]]


@dataclass(frozen=True, slots=True)
class Config:
    event: EventSection
    program: Annotated[tuple[ProgramItem, ...], NonEmpty]
    reminders: RemindersSection = RemindersSection()
    youtube: YouTubeSection = YouTubeSection()
    discord: DiscordSection = DiscordSection()
    ops: OpsSection = OpsSection()
    faq: tuple[FaqEntry, ...] = ()
    faq_synonyms: FaqSynonyms = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.event.timezone)

    def at(self, clock_time: time) -> datetime:
        """The aware datetime of a time of day on the event's date, in the event's zone."""
        return datetime.combine(self.event.date, clock_time, tzinfo=self.tz)

    @property
    def starts_at(self) -> datetime:
        return self.at(self.program[0].start)

    @property
    def ends_at(self) -> datetime:
        return self.at(self.program[-1].end)

    def program_item(self, item_id: str) -> ProgramItem | None:
        return next((p for p in self.program if p.id == item_id), None)


class ConfigError(Exception):
    """A config file that cannot be used; ``problems`` holds one ready-to-print line per problem.

    ``origins`` names the included file a top-level key came from, so a problem in ``faq.toml``
    names that file rather than the one including it.
    """

    def __init__(
        self,
        path: Path,
        problems: Sequence[tuple[str, str]],
        *,
        origins: Mapping[str, Path] | None = None,
    ) -> None:
        self.path = path
        self.problems = [
            f"{(origins or {}).get(_top_key(key), path)}: {key}: {message}"
            for key, message in problems
        ]
        super().__init__("\n".join(self.problems))


def _top_key(key: str) -> str:
    return re.split(r"[.\[]", key, maxsplit=1)[0]


def _semantic_problems(config: Config) -> Iterator[tuple[str, str]]:
    seen: dict[str, int] = {}
    for index, item in enumerate(config.program):
        if item.end <= item.start:
            yield (
                f"program[{index}].end",
                f"end {item.end:%H:%M:%S} must be after start {item.start:%H:%M:%S}",
            )
        if item.id in seen:
            yield (
                f"program[{index}].id",
                f"duplicate id {item.id!r} (also program[{seen[item.id]}])",
            )
        seen.setdefault(item.id, index)
        if index:
            previous = config.program[index - 1]
            if item.start < previous.start:
                yield (
                    f"program[{index}].start",
                    f"sessions must be in order: {item.start:%H:%M} is before program[{index - 1}] "
                    f"({previous.start:%H:%M})",
                )
            elif item.start < previous.end:
                yield (
                    f"program[{index}].start",
                    f"overlaps program[{index - 1}] ({previous.id!r} ends {previous.end:%H:%M})",
                )
    faq_seen: dict[str, int] = {}
    for index, entry in enumerate(config.faq):
        if entry.id in faq_seen:
            yield f"faq[{index}].id", f"duplicate id {entry.id!r} (also faq[{faq_seen[entry.id]}])"
        faq_seen.setdefault(entry.id, index)
    yield from _synonym_problems(config.faq_synonyms)
    for index, item in enumerate(config.program):
        for name in ("start", "end"):
            moment = config.at(getattr(item, name))
            if _skipped_by_dst(moment):
                yield (
                    f"program[{index}].{name}",
                    f"{moment:%H:%M} does not exist on {config.event.date} in "
                    f"{config.event.timezone} (the clocks jump forward)",
                )
    for index, offset in enumerate(config.reminders.ping or ()):
        if offset not in config.reminders.before:
            yield (
                f"reminders.ping[{index}]",
                f"{format_duration(offset)} is not one of reminders.before",
            )
    section = config.discord
    if not section.guild_id:
        for key in (
            "announce_channel_id",
            "qna_channel_id",
            "audit_channel_id",
            "reminder_role_id",
            "moderator_role_id",
            "auto_answer_channel_ids",
        ):
            if getattr(section, key):
                yield "discord.guild_id", f"set the server id too: discord.{key} is set"
                break
    if config.youtube.poll_idle < config.youtube.poll_active:
        yield "youtube.poll_idle", "must not be shorter than youtube.poll_active"


def _synonym_problems(synonyms: FaqSynonyms) -> Iterator[tuple[str, str]]:
    meaning: dict[str, str] = {}
    for word, spellings in synonyms.items():
        if len(word.split()) != 1:
            yield (
                f"faq_synonyms.{word}",
                "must be one word (join words with '-', e.g. \"talk-concert\")",
            )
        for index, spelling in enumerate(spellings):
            key = " ".join(spelling.lower().split())
            other = meaning.setdefault(key, word)
            if other != word:
                yield (
                    f"faq_synonyms.{word}[{index}]",
                    f"{spelling!r} is already a spelling of {other!r}: it can mean only one word",
                )


def _skipped_by_dst(moment: datetime) -> bool:
    round_trip = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None)


def wall_time_warnings(config: Config) -> list[str]:
    """Program times a fall-back DST change repeats: valid, but worth a warning (the first is used)."""
    warnings = []
    for index, item in enumerate(config.program):
        for name in ("start", "end"):
            moment = config.at(getattr(item, name))
            if moment.replace(fold=1).utcoffset() != moment.utcoffset():
                warnings.append(
                    f"program[{index}].{name}: {moment:%H:%M} happens twice on "
                    f"{config.event.date} in {config.event.timezone} (the clocks fall back); "
                    "the first one is used"
                )
    return warnings


def parse_config(
    data: dict[str, Any], path: Path, *, origins: Mapping[str, Path] | None = None
) -> Config:
    try:
        config = validate(Config, data)
    except SchemaError as error:
        raise ConfigError(path, error.problems, origins=origins) from None
    problems = list(_semantic_problems(config))
    if problems:
        raise ConfigError(path, problems, origins=origins)
    return config


def load_config(path: Path) -> Config:
    """Read and validate a config file; raises :class:`ConfigError` naming every problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, [("(file)", "file not found")]) from None
    except OSError as error:
        raise ConfigError(path, [("(file)", f"cannot read: {error.strerror}")]) from None
    data = _read_toml(path, raw)
    includes = data.pop("include", [])
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ConfigError(path, [("include", 'must be a list of file names, e.g. ["faq.toml"]')])
    origins: dict[str, Path] = {}  # top-level keys set only by an included file
    for name in includes:
        included_path = path.parent / name
        try:
            included = _read_toml(included_path, included_path.read_bytes())
        except FileNotFoundError:
            raise ConfigError(path, [("include", f"included file {name!r} not found")]) from None
        for key, value in included.items():
            if key not in data:
                origins[key] = included_path
            elif origins.get(key) != included_path:
                origins.pop(key, None)  # merged from several files: name the main one
            if isinstance(value, list) and isinstance(data.get(key, []), list):
                data[key] = [*data.get(key, []), *value]
            elif key in data:
                raise ConfigError(included_path, [(key, f"already set in {path.name}")])
            else:
                data[key] = value
    return parse_config(data, path, origins=origins)


def _read_toml(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, [("(file)", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, [("(file)", f"invalid TOML: {error}")]) from None


def default_config_path() -> Path:
    """The shipped event config: the checkout's ``config/`` or the copy inside an installed wheel."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (
        package_dir.parent / "config" / "event.toml",
        package_dir / "default_config" / "event.toml",
    ):
        if candidate.is_file():
            return candidate
    return package_dir.parent / "config" / "event.toml"
