"""Event configuration: TOML validated once into frozen pydantic models.

Every problem is reported as ``<file>: <key path>: <problem>`` so an organiser can fix the file without
reading a traceback. Structural problems (types, formats, unknown keys) come from pydantic; the checks that
need the whole program (order, overlap, duplicate ids) run afterwards on the parsed models.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

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


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
#: Session id → (start, end), aware: the program as the day runs now (after delays).
ProgramTimes = Mapping[str, tuple[datetime, datetime]]
ClockTime = Annotated[time, BeforeValidator(_parse_clock_time)]
EventDate = Annotated[date, BeforeValidator(_parse_date)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Localized(_Frozen):
    """A text in both languages the bot speaks."""

    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return self.ko if locale == "ko" else self.en


class LocalizedList(_Frozen):
    ko: tuple[str, ...] = ()
    en: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return self.ko + self.en


class EventSection(_Frozen):
    name: Localized
    date: EventDate
    timezone: str
    venue: Localized
    homepage: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone {value!r}: use an IANA name such as "Asia/Seoul"'
            ) from None
        return value


class ProgramItem(_Frozen):
    id: str
    start: ClockTime
    end: ClockTime
    title: Localized
    description: Localized | None = None
    speakers: Localized | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(
                f"id {value!r} must be 1-32 lowercase letters, digits, '-' or '_' (e.g. \"lecture\")"
            )
        return value


class RemindersSection(_Frozen):
    before: tuple[Duration, ...] = (
        timedelta(minutes=30),
        timedelta(minutes=10),
        timedelta(0),
    )
    grace: Duration = timedelta(minutes=10)
    #: Which reminders ping the opt-in reminder role (offsets from ``before``); unset: all of them.
    ping: tuple[Duration, ...] | None = None

    @field_validator("before")
    @classmethod
    def _non_negative_unique(cls, value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
        if any(v < timedelta(0) for v in value):
            raise ValueError("reminder offsets cannot be negative")
        if len(set(value)) != len(value):
            raise ValueError("reminder offsets must not repeat")
        return tuple(sorted(value, reverse=True))

    def pings_at(self, offset: timedelta) -> bool:
        return self.ping is None or offset in self.ping


class YouTubeSection(_Frozen):
    channel: str = ""
    video_id: str = ""
    poll_active: Duration = timedelta(seconds=10)
    poll_idle: Duration = timedelta(minutes=5)
    quota_probe: Duration = timedelta(minutes=5)
    daily_quota: int = Field(default=10_000, ge=1)
    websub_callback_url: str = ""
    websub_port: int = Field(default=8080, ge=0, le=65535)

    @field_validator("poll_active", "poll_idle", "quota_probe")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError('must be longer than zero, e.g. "10s"')
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value and not (value.startswith("@") or re.match(r"^UC[\w-]{22}$", value)):
            raise ValueError(
                f'{value!r} is neither a handle ("@name") nor a channel id ("UC" + 22 characters)'
            )
        return value

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


class DiscordSection(_Frozen):
    guild_id: int = Field(default=0, ge=0)
    announce_channel_id: int = Field(default=0, ge=0)
    qna_channel_id: int = Field(default=0, ge=0)
    audit_channel_id: int = Field(default=0, ge=0)
    reminder_role_id: int = Field(default=0, ge=0)
    moderator_role_id: int = Field(default=0, ge=0)
    locale: Locale = "ko"
    auto_answer_channel_ids: tuple[int, ...] = ()
    auto_answer_cooldown: Duration = timedelta(minutes=10)


class OpsSection(_Frozen):
    """The opt-in health and metrics endpoint (``/healthz``, ``/metrics``); port 0 keeps it off."""

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535)


class FaqEntry(_Frozen):
    """A question viewers ask, answered in both languages.

    Answers may use placeholders filled from the live program at answer time: ``{date}``, ``{start}``,
    ``{end}``, ``{venue}``, ``{stream_link}``, ``{program}``, ``{event_name}`` and ``{start_<id>}`` /
    ``{end_<id>}`` for each program item.
    """

    id: str
    question: Localized
    answer: Localized
    keywords: LocalizedList = LocalizedList()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"id {value!r} must be 1-32 lowercase letters, digits, '-' or '_'")
        return value


NonEmptyText = Annotated[str, Field(min_length=1)]
#: This event's names and the other spellings viewers type for each (``faq.toml``, ``[faq_synonyms]``):
#: the word the FAQ keywords use → its short forms, nicknames and translations.
FaqSynonyms = dict[NonEmptyText, tuple[NonEmptyText, ...]]


class Config(_Frozen):
    event: EventSection
    program: tuple[ProgramItem, ...] = Field(min_length=1)
    reminders: RemindersSection = RemindersSection()
    youtube: YouTubeSection = YouTubeSection()
    discord: DiscordSection = DiscordSection()
    ops: OpsSection = OpsSection()
    faq: tuple[FaqEntry, ...] = ()
    faq_synonyms: FaqSynonyms = {}

    @cached_property
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


def _key_path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(file)"


def _pydantic_problems(error: ValidationError) -> Iterator[tuple[str, str]]:
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (typo?)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "string_too_short" and (item.get("ctx") or {}).get("min_length") == 1:
            message = "text must not be empty"
        yield _key_path(loc), message


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
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(path, list(_pydantic_problems(error)), origins=origins) from None
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
