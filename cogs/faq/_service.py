"""The FAQ feature's logic, for a thin discord.py cog on top: every reply is returned as ready text.

Data flow: ``/faq`` → :meth:`FaqService.answer` → :class:`FaqReply` (direct answer, up to three "did you
mean" choices for buttons, or "no match" with the topics); autocomplete → :meth:`FaqService.suggest`;
``/ask`` → :meth:`FaqService.ask` → the cog posts :meth:`FaqService.question_post` with a vote button and
stores the message id; the vote button → :meth:`FaqService.vote`. Admin operations check
``moderator`` themselves as a second fence behind the command tree's moderator check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from bot.clock import Clock
from bot.config import Config, FaqEntry, Localized
from bot.errors import UserError
from bot.services import AskedQuestion, FaqUse, QuestionRecord, UnansweredText
from bot.text import clip
from bot.timefmt import discord_ts

from ._answers import ProgramTimes, answer_values, fill_placeholders, unknown_placeholders
from ._export import export_toml
from ._matcher import FaqMatcher, MatchKind, Suggestion
from ._store import ASK_INTERVAL, FaqStore, Question, QuestionStatus, VoteResult
from ._text import (
    QUESTION_MAX_CHARS,
    QUESTION_MIN_CHARS,
    check_question,
    detect_locale,
    looks_like_question,
)
from ._usage import UsageCounts

__all__ = [
    "AUTO_ANSWER_MIN_SCORE",
    "BUTTON_LABEL_CHARS",
    "AutoAnswerCooldown",
    "FaqChoice",
    "FaqReply",
    "FaqService",
    "Translate",
]

log = logging.getLogger(__name__)
K = TypeVar("K")

AUTO_ANSWER_MIN_SCORE = 85.0
"""Auto-answers speak unasked in a public channel, so on top of a confident match they need a high
score (the entry explains nearly all of the message); the vaguer rest still work with /faq."""
BUTTON_LABEL_CHARS = 80
"""Discord's limit for a button label."""
MESSAGE_CHARS = 2000
TOPICS_CHARS = 1200
"""Room for the topic list in a "no match" reply."""
ENTRY_ID_ECHO_CHARS = 40
"""How much of a typed entry id a refusal quotes back (ids are at most 32 characters)."""
_VALUES_KEPT = 8
"""Answer placeholder values kept (per language and program version; a delay makes a new one)."""


class Translate(Protocol):
    """The catalog's ``t`` (``bot.i18n.Catalog.t`` / ``Services.t``)."""

    def __call__(self, key: str, locale: str, /, **values: object) -> str: ...


@dataclass(frozen=True, slots=True)
class FaqChoice:
    """A "did you mean" button: ``label`` ≤ 80 characters, ``entry_id`` for the custom id."""

    entry_id: str
    label: str


@dataclass(frozen=True, slots=True)
class FaqReply:
    kind: MatchKind
    text: str
    entry_id: str | None = None
    choices: tuple[FaqChoice, ...] = ()


class KeyedLocks(Generic[K]):
    """One :class:`asyncio.Lock` per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[K, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class AutoAnswerCooldown:
    """In-memory "answered entry X in channel Y at T", so auto-answers repeat at most every ``cooldown``.

    Not persisted on purpose: after a restart one early repeat is harmless, and the state is tiny.
    """

    def __init__(self, cooldown: timedelta) -> None:
        self.cooldown = cooldown
        self._last: dict[tuple[int, str], datetime] = {}

    def ready(self, entry_id: str, channel_id: int, now: datetime) -> bool:
        last = self._last.get((channel_id, entry_id))
        return last is None or now - last >= self.cooldown

    def try_acquire(self, entry_id: str, channel_id: int, now: datetime) -> bool:
        """True (and start the cooldown) if this entry may be auto-answered in this channel now."""
        if now.tzinfo is None:
            raise ValueError("naive datetime")
        if not self.ready(entry_id, channel_id, now):
            return False
        self._last[(channel_id, entry_id)] = now
        if len(self._last) > 10_000:  # keep memory bounded in a very busy server
            cutoff = now - self.cooldown
            self._last = {k: v for k, v in self._last.items() if v > cutoff}
        return True


ProgramTimesSource = Callable[[], Awaitable[ProgramTimes]]
"""Where answers read the session times: ``Services.program_times`` in the bot."""
ReplayLinkSource = Callable[[], Awaitable[str | None]]
"""Where answers read the recording's link (None until it is ready): the live relay's record."""
#: How much of the day a question record carries (the report and its CSV show them all).
RECORD_LIMIT = 1000
RECORD_TOP_ENTRIES = 10


class FaqService:
    def __init__(
        self,
        config: Config,
        store: FaqStore,
        clock: Clock,
        t: Translate,
        *,
        program_times: ProgramTimesSource | None = None,
        replay_link: ReplayLinkSource | None = None,
        auto_answer_channel_ids: Sequence[int] | None = None,
        auto_answer_cooldown: timedelta | None = None,
        ask_interval: timedelta = ASK_INTERVAL,
    ) -> None:
        self.config = config
        self.store = store
        #: Uses are counted here and written in batches: a reply never waits for the database.
        self.usage = UsageCounts(store)
        self.clock = clock
        self.t = t
        self._program_times = program_times
        self._replay_link = replay_link
        # Channels and cooldown follow the config (and its reloads) unless given explicitly.
        self._channels_from_config = auto_answer_channel_ids is None
        self._cooldown_from_config = auto_answer_cooldown is None
        self.auto_answer_channel_ids = frozenset(
            config.discord.auto_answer_channel_ids
            if auto_answer_channel_ids is None
            else auto_answer_channel_ids
        )
        self.cooldown = AutoAnswerCooldown(
            auto_answer_cooldown or config.discord.auto_answer_cooldown
        )
        self.ask_interval = ask_interval
        self._ask_locks = KeyedLocks[tuple[int, int]]()
        #: The entries (config ⊕ stored changes) as of the last load(); empty before it.
        self._entries: tuple[FaqEntry, ...] = ()
        self._matcher: FaqMatcher | None = None
        self._values_cache: dict[tuple[str, object, str | None], dict[str, str]] = {}

    async def load(self) -> None:
        """Read the entries (config ⊕ stored overrides); call at cog load and after changes."""
        self._entries = tuple(await self.store.effective_entries(self.config.faq))
        self._matcher = None
        log.info("FAQ loaded: %d entries", len(self._entries))

    @property
    def matcher(self) -> FaqMatcher:
        """The matcher over the loaded entries, built when first asked (its index takes ~40 ms:
        not while the features load after READY, when viewers' commands wait for them)."""
        if self._matcher is None:
            self._matcher = FaqMatcher(self._entries, self.config.faq_synonyms)
        return self._matcher

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config (call :meth:`load` afterwards)."""
        self.config = config
        self._values_cache.clear()
        if self._channels_from_config:
            self.auto_answer_channel_ids = frozenset(config.discord.auto_answer_channel_ids)
        if self._cooldown_from_config:
            self.cooldown.cooldown = config.discord.auto_answer_cooldown

    async def status_fields(self, locale: str) -> list[tuple[str, str]]:
        """One line for ``/admin status``: entries, unanswered questions, open viewer questions."""
        unanswered, open_questions = await self.store.counts()
        value = self.t(
            "faq.status.value",
            locale,
            entries=len(self.entries),
            unanswered=unanswered,
            questions=open_questions,
        )
        return [(self.t("faq.status.name", locale), value)]

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        return self._entries

    # -- answering ----------------------------------------------------------------------------------

    def suggest(self, prefix: str, locale: str, limit: int = 25) -> list[Suggestion]:
        """Autocomplete choices (value: ``entry_id``, name: ``label``); never raises."""
        try:
            return self.matcher.suggest(prefix, locale, limit)
        except Exception:  # autocomplete must answer within 3 s whatever happens
            log.exception("FAQ autocomplete failed for %r", prefix[:100])
            return []

    async def render(self, entry_id: str, locale: str) -> str | None:
        entry = self.matcher.entry(entry_id)
        if entry is None:
            return None
        times = await self._program_times() if self._program_times else None
        replay = None
        if self._replay_link is not None and "{replay_link}" in entry.answer.get(locale):
            replay = await self._replay_link()
        return fill_placeholders(
            entry.answer.get(locale), self._answer_values(locale, times, replay)
        )

    def _answer_values(
        self, locale: str, times: ProgramTimes | None, replay: str | None
    ) -> Mapping[str, str]:
        """The placeholders' values change only with the program (a delay), the recording or the
        config: worked out once per language and program rather than for every answer."""
        lang = "ko" if locale == "ko" else "en"
        key = (lang, None if times is None else tuple(times.items()), replay)
        values = self._values_cache.get(key)
        if values is None:
            if len(self._values_cache) >= _VALUES_KEPT:
                self._values_cache.clear()  # programs before a delay: not asked for again
            values = self._values_cache[key] = answer_values(self.config, lang, times, replay)
        return values

    async def _answer_text(self, entry: FaqEntry, locale: str) -> str:
        body = await self.render(entry.id, locale) or ""
        text = self.t("faq.answer", locale, question=entry.question.get(locale), answer=body)
        return clip(text, MESSAGE_CHARS)

    async def answer(self, question: str, locale: str) -> FaqReply:
        """The reply to ``/faq question:<text>``; counts usage and logs unanswered questions."""
        result = self.matcher.match(question, locale)
        now = self.clock.now()
        if result.kind == "confident" and result.best is not None:
            entry = self.matcher.entry(result.best.entry_id)
            assert entry is not None
            self.usage.add(entry.id, now)
            return FaqReply("confident", await self._answer_text(entry, locale), entry_id=entry.id)
        if result.kind == "weak":
            self.usage.add_outcome("suggested")
            choices = tuple(
                FaqChoice(
                    c.entry_id, clip(self.matcher.label(c.entry_id, locale), BUTTON_LABEL_CHARS)
                )
                for c in result.candidates
            )
            return FaqReply("weak", self.t("faq.did_you_mean", locale), choices=choices)
        cleaned = " ".join(question.split())[:200]
        if cleaned:
            await self.store.record_unanswered(
                cleaned,
                self.matcher.normalize(cleaned).compact,
                "ko" if locale == "ko" else "en",
                now,
            )
        return FaqReply(
            "none",
            clip(
                self.t(
                    "faq.no_match",
                    locale,
                    question=clip(cleaned, 100),
                    topics=self.topics(locale),
                ),
                MESSAGE_CHARS,
            ),
        )

    async def answer_entry(self, entry_id: str, locale: str, *, picked: bool = False) -> FaqReply:
        """The reply for one entry (counts as a use): chosen in autocomplete, or ``picked`` from
        "did you mean" buttons."""
        entry = self.matcher.entry(entry_id)
        if entry is None:
            return FaqReply("none", self.t("faq.gone", locale))
        self.usage.add(entry.id, self.clock.now())
        if picked:
            self.usage.add_outcome("picked")
        return FaqReply("confident", await self._answer_text(entry, locale), entry_id=entry.id)

    def topics(self, locale: str) -> str:
        lines: list[str] = []
        used = 0
        for entry in self.entries:
            line = self.t("faq.topic_line", locale, topic=entry.question.get(locale))
            if used + len(line) > TOPICS_CHARS:
                lines.append("…")
                break
            lines.append(line)
            used += len(line) + 1
        return "\n".join(lines)

    async def auto_answer(
        self, text: str, *, channel_id: int, author_is_bot: bool, locale: str | None = None
    ) -> str | None:
        """A short reply to a chat message, or None. Off unless the channel is configured."""
        if author_is_bot or channel_id not in self.auto_answer_channel_ids:
            return None
        if not looks_like_question(text):
            return None
        lang = locale or detect_locale(text)
        result = self.matcher.match(text, lang)
        best = result.best
        if result.kind != "confident" or best is None or best.score < AUTO_ANSWER_MIN_SCORE:
            return None
        now = self.clock.now()
        if not self.cooldown.try_acquire(best.entry_id, channel_id, now):
            return None
        body = await self.render(best.entry_id, lang)
        if body is None:
            return None
        self.usage.add(best.entry_id, now)
        return clip(self.t("faq.auto_answer", lang, answer=body), MESSAGE_CHARS)

    # -- moderators ---------------------------------------------------------------------------------

    @staticmethod
    def _require(moderator: bool) -> None:
        if not moderator:
            raise UserError("faq.admin.forbidden")

    async def add_entry(self, entry: FaqEntry, *, user_id: int, moderator: bool) -> list[str]:
        """Add and reload; returns unknown placeholder names to warn about (empty when fine)."""
        self._require(moderator)
        now = self.clock.now()
        if not await self.store.add_entry(entry, self.config.faq, user_id=user_id, now=now):
            raise UserError("faq.admin.exists", entry_id=entry.id)
        await self.load()
        return self._warnings(entry)

    async def edit_entry(self, entry: FaqEntry, *, user_id: int, moderator: bool) -> list[str]:
        self._require(moderator)
        now = self.clock.now()
        if await self.store.edit_entry(entry, self.config.faq, user_id=user_id, now=now) is None:
            raise UserError("faq.admin.not_found", entry_id=entry.id)
        await self.load()
        return self._warnings(entry)

    async def remove_entry(self, entry_id: str, *, user_id: int, moderator: bool) -> FaqEntry:
        self._require(moderator)
        removed = await self.store.remove_entry(
            entry_id, self.config.faq, user_id=user_id, now=self.clock.now()
        )
        if removed is None:
            raise UserError("faq.admin.not_found", entry_id=clip(entry_id, ENTRY_ID_ECHO_CHARS))
        await self.load()
        return removed

    def _warnings(self, entry: FaqEntry) -> list[str]:
        names = unknown_placeholders(entry.answer.ko, self.config) | unknown_placeholders(
            entry.answer.en, self.config
        )
        return sorted(names)

    def list_text(self, locale: str) -> str:
        config_ids = {e.id for e in self.config.faq}
        config_entries = {e.id: e for e in self.config.faq}
        lines = [self.t("faq.admin.list_header", locale, count=len(self.entries))]
        for entry in self.entries:
            if entry.id not in config_ids:
                mark = self.t("faq.admin.mark_added", locale)
            elif config_entries[entry.id] != entry:
                mark = self.t("faq.admin.mark_edited", locale)
            else:
                mark = ""
            lines.append(
                self.t(
                    "faq.admin.list_line",
                    locale,
                    entry_id=entry.id,
                    question=entry.question.get(locale),
                    mark=mark,
                )
            )
        removed = sorted(config_ids - {e.id for e in self.entries})
        if removed:
            lines.append(self.t("faq.admin.list_removed", locale, ids=", ".join(removed)))
        return clip("\n".join(lines), MESSAGE_CHARS)

    def export(self) -> str:
        """The current entries as ``config/faq.toml`` (send it as a file attachment)."""
        return export_toml(self.entries, self.config.faq_synonyms, now=self.clock.now())

    async def top_used(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most used entries, counting the uses not written yet (written first)."""
        await self.usage.flush()
        return await self.store.top_used(limit)

    async def stats_text(self, locale: str, limit: int = 10) -> str:
        top = await self.top_used(limit)
        unanswered = await self.store.unanswered(limit)
        none = self.t("faq.admin.stats_none", locale)
        lines = [self.t("faq.admin.stats_top_header", locale)]
        for rank, (entry_id, uses) in enumerate(top, 1):
            entry = self.matcher.entry(entry_id)
            label = entry.question.get(locale) if entry else entry_id
            lines.append(
                self.t("faq.admin.stats_top_line", locale, rank=rank, question=label, uses=uses)
            )
        if not top:
            lines.append(none)
        lines.append(self.t("faq.admin.stats_unanswered_header", locale))
        for rank, item in enumerate(unanswered, 1):
            lines.append(
                self.t(
                    "faq.admin.stats_unanswered_line",
                    locale,
                    rank=rank,
                    text=clip(item.text, 100),
                    count=item.asked,
                    last=discord_ts(item.last_at, "R"),
                )
            )
        if not unanswered:
            lines.append(none)
        return clip("\n".join(lines), MESSAGE_CHARS)

    async def question_record(self) -> QuestionRecord:
        """What viewers asked, for the organisers' report (``services.question_records``): FAQ
        outcomes, the most used entries, the unanswered questions and the event server's ``/ask``
        questions (hidden ones left out)."""
        await self.usage.flush()
        outcomes = await self.store.outcomes()
        top = []
        for entry_id, uses in await self.store.top_used(RECORD_TOP_ENTRIES):
            entry = self.matcher.entry(entry_id)
            question = entry.question if entry else Localized(ko=entry_id, en=entry_id)
            top.append(FaqUse(entry_id, question, uses))
        unanswered = await self.store.unanswered(RECORD_LIMIT)
        asked = await self.store.top_questions(
            self.config.discord.guild_id, RECORD_LIMIT, statuses=("open", "answered")
        )
        return QuestionRecord(
            faq_answered=outcomes.answered,
            faq_suggested=outcomes.suggested_only,
            faq_unanswered=outcomes.unanswered,
            top_faq=tuple(top),
            unanswered=tuple(UnansweredText(u.text, u.asked) for u in unanswered),
            asked=tuple(
                AskedQuestion(q.text, q.votes, q.status == "answered", q.created_at) for q in asked
            ),
        )

    # -- viewer questions for the speakers ----------------------------------------------------------

    async def ask(self, *, guild_id: int, author_id: int, text: str, locale: str) -> Question:
        """Queue a question; refuses a too short or long text, or a second question within a minute."""
        check = check_question(text)
        if check.problem == "ask.too_short":
            raise UserError(check.problem, min=QUESTION_MIN_CHARS)
        if check.problem == "ask.too_long":
            raise UserError(check.problem, max=QUESTION_MAX_CHARS, length=len(check.text))
        # Check and insert as one step per user: two asks at once (a double submit) would both
        # see no recent question and both get in.
        async with self._ask_locks.hold((guild_id, author_id)):
            now = self.clock.now()
            wait = await self.store.ask_wait(guild_id, author_id, now, self.ask_interval)
            if wait > timedelta(0):
                raise UserError(
                    "ask.rate_limited", seconds=max(1, int(wait.total_seconds() + 0.999))
                )
            return await self.store.add_question(
                guild_id=guild_id,
                author_id=author_id,
                text=check.text,
                locale="ko" if locale == "ko" else "en",
                now=now,
            )

    def question_post(self, question: Question, locale: str) -> str:
        """The Q&A channel message (send with ``AllowedMentions.none()``)."""
        return self.t(
            "ask.post",
            locale,
            number=question.id,
            question=question.text,
            author=f"<@{question.author_id}>",
        )

    def vote_label(self, votes: int, locale: str) -> str:
        return self.t("ask.vote_button", locale, votes=votes)

    async def vote(self, question_id: int, user_id: int) -> VoteResult:
        result = await self.store.vote(question_id, user_id, self.clock.now())
        if result is None:
            raise UserError("questions.not_found", number=question_id)
        return result

    def vote_text(self, result: VoteResult, locale: str) -> str:
        if result.status != "open":
            return self.t("ask.closed", locale)
        key = "ask.voted" if result.added else "ask.already_voted"
        return self.t(key, locale, votes=result.votes)

    async def top_questions(self, guild_id: int, limit: int = 10) -> list[Question]:
        return await self.store.top_questions(guild_id, limit)

    def questions_text(self, questions: Sequence[Question], locale: str) -> str:
        if not questions:
            return self.t("questions.empty", locale)
        lines = [self.t("questions.header", locale, count=len(questions))]
        for rank, q in enumerate(questions, 1):
            lines.append(
                self.t(
                    "questions.line",
                    locale,
                    rank=rank,
                    votes=q.votes,
                    number=q.id,
                    age=discord_ts(q.created_at, "R"),
                    author=f"<@{q.author_id}>",
                    question=clip(q.text, 300),
                )
            )
        return clip("\n".join(lines), MESSAGE_CHARS)

    async def set_question_status(
        self, question_id: int, status: QuestionStatus, *, user_id: int, moderator: bool
    ) -> Question:
        self._require(moderator)
        question = await self.store.set_question_status(
            question_id, status, user_id=user_id, now=self.clock.now()
        )
        if question is None:
            raise UserError("questions.not_found", number=question_id)
        return question

    def status_text(self, question: Question, locale: str) -> str:
        key = {"answered": "questions.marked_answered", "hidden": "questions.marked_hidden"}.get(
            question.status, "questions.marked_open"
        )
        return self.t(key, locale, number=question.id)
