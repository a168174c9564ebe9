"""The CSV attachments parse with the csv module: UTF-8, a header row, verbatim but inert text."""

from __future__ import annotations

import csv
import io

from bot.config import Config
from bot.program import effective_program
from bot.services import QuestionRecord
from cogs.recap._csv import QUESTIONS_HEADER, VIEWERS_HEADER, questions_csv, viewers_csv
from cogs.recap._report import build_report
from cogs.recap._timeline import day_sessions
from tests.cogs.recap.records import SEOUL, questions, samples, stream


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read Korean as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_viewer_samples_with_their_session(base_config: Config) -> None:
    report = build_report(
        day_sessions(effective_program(base_config), {}), stream(), None, None, ()
    )
    table = rows(viewers_csv(samples(), report.sessions, SEOUL, "ko"))
    assert tuple(table[0]) == VIEWERS_HEADER
    assert len(table) == 1 + len(samples())
    assert table[1] == ["2022-12-15T03:58:30+00:00", "2022-12-15T12:58:30+09:00", "10", "", ""]
    assert table[2] == [
        "2022-12-15T04:08:30+00:00",
        "2022-12-15T13:08:30+09:00",
        "100",
        "lecture",
        "강연: 오픈이노베이션, 무엇에 집중해야 하는가?",
    ]
    assert [r[3] for r in table[1:]] == [
        "",
        "lecture",
        "lecture",
        "lecture",
        "talk-concert",
        "results",
        "networking",
    ]


def test_questions_verbatim_with_formulas_made_inert() -> None:
    table = rows(questions_csv(questions()))
    assert tuple(table[0]) == QUESTIONS_HEADER
    assert table[1:] == [
        ["faq_unanswered", "주차 가능한가요?", "3", "", "no", ""],
        ["faq_unanswered", '\'=HYPERLINK("x") @everyone *bold*', "1", "", "no", ""],
        ["ask", "공공액셀러레이터의 역할은?", "1", "7", "yes", "2022-12-15T05:10:00+00:00"],
        ["ask", "Will slides be shared?", "1", "2", "no", "2022-12-15T05:20:00+00:00"],
    ]


def test_the_questions_file_has_its_header_even_when_empty() -> None:
    assert rows(questions_csv(None)) == [list(QUESTIONS_HEADER)]
    assert rows(questions_csv(QuestionRecord(0, 0, 0))) == [list(QUESTIONS_HEADER)]
    assert rows(viewers_csv((), (), SEOUL, "en")) == [list(VIEWERS_HEADER)]
