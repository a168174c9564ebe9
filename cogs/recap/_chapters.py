"""The stream's chapter list in the form YouTube accepts in a video description.

YouTube's rules (one bad line and it ignores the whole list): the first line is ``0:00``, times
ascend, every chapter is at least 10 seconds long, there are at least three, one per line as
``M:SS Title`` (``H:MM:SS`` past an hour). :func:`build_chapters` bends the day to those rules and
says, in ``notes``, each time it had to: the command shows the notes to the moderator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.config import Locale
from cogs.recap._timeline import DaySession

#: YouTube's shortest chapter, in seconds.
MIN_CHAPTER_SECONDS = 10
#: YouTube's fewest chapters.
MIN_CHAPTERS = 3

NoteKind = Literal[
    "intro",  # a 0:00 line for the time before the first session
    "first_at_zero",  # the first session started under 10 s in: shown at 0:00
    "before_stream",  # a session started before the stream: shown at 0:00
    "too_close",  # two starts under 10 s apart: the earlier one left out
    "skipped",  # a moderator marked it skipped
    "after_end",  # it started after the stream ended (or under 10 s before)
    "too_few",  # fewer than three chapters: YouTube will not show them
]


@dataclass(frozen=True, slots=True)
class ChapterNote:
    kind: NoteKind
    #: The session concerned (empty for "intro" and "too_few").
    title: str = ""
    #: "too_close": the session kept instead.
    kept: str = ""


@dataclass(frozen=True, slots=True)
class Chapter:
    #: Whole seconds from the start of the recording.
    offset: int
    title: str
    session_id: str = ""


@dataclass(frozen=True, slots=True)
class ChapterList:
    chapters: tuple[Chapter, ...]
    notes: tuple[ChapterNote, ...]

    @property
    def valid(self) -> bool:
        return len(self.chapters) >= MIN_CHAPTERS

    @property
    def text(self) -> str:
        """The lines to paste into the video description."""
        return "\n".join(f"{timestamp(c.offset)} {c.title}" for c in self.chapters)


def timestamp(seconds: int) -> str:
    """``M:SS`` below an hour, ``H:MM:SS`` from an hour on."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def offset_seconds(moment: datetime, stream_start: datetime) -> int:
    """Whole seconds from the stream's start, rounded down (negative before it)."""
    return math.floor((moment - stream_start).total_seconds())


def one_line(title: str) -> str:
    """A title as one description line: a line break would start a new (invalid) chapter."""
    return " ".join(title.split())


def build_chapters(
    sessions: Sequence[DaySession],
    stream_start: datetime,
    stream_end: datetime | None,
    locale: Locale,
    *,
    intro_title: str,
) -> ChapterList:
    """Chapters from each session's actual start; ``intro_title`` names the time before the first."""
    notes: list[ChapterNote] = []
    end_offset = None if stream_end is None else offset_seconds(stream_end, stream_start)
    candidates: list[tuple[int, int, DaySession]] = []
    for session in sessions:
        title = one_line(session.title.get(locale))
        if session.skipped:
            notes.append(ChapterNote("skipped", title))
            continue
        offset = offset_seconds(session.start, stream_start)
        if end_offset is not None and end_offset - offset < MIN_CHAPTER_SECONDS:
            notes.append(ChapterNote("after_end", title))
            continue
        if offset < 0:
            notes.append(ChapterNote("before_stream", title))
            offset = 0
        candidates.append((offset, session.index, session))
    candidates.sort(key=lambda c: (c[0], c[1]))

    kept: list[tuple[int, DaySession]] = []
    for offset, _, session in candidates:
        # A chapter shorter than 10 s breaks the list: of two close starts the later one stands
        # (the earlier was a false start, or its mark was corrected by the next one).
        while kept and offset - kept[-1][0] < MIN_CHAPTER_SECONDS:
            _, dropped = kept.pop()
            notes.append(
                ChapterNote(
                    "too_close",
                    one_line(dropped.title.get(locale)),
                    one_line(session.title.get(locale)),
                )
            )
        kept.append((offset, session))

    chapters = [Chapter(offset, one_line(s.title.get(locale)), s.id) for offset, s in kept]
    if not chapters or chapters[0].offset >= MIN_CHAPTER_SECONDS:
        chapters.insert(0, Chapter(0, one_line(intro_title)))
        notes.append(ChapterNote("intro"))
    elif chapters[0].offset > 0:
        first = chapters[0]
        chapters[0] = Chapter(0, first.title, first.session_id)
        notes.append(ChapterNote("first_at_zero", first.title))
    if len(chapters) < MIN_CHAPTERS:
        notes.append(ChapterNote("too_few"))
    return ChapterList(tuple(chapters), tuple(notes))
