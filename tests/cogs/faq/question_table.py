"""Realistic viewer questions with the FAQ entry that should answer them, and facts the answer must hold.

Shared by the accuracy test and ``benchmarks/faq_matching.py``. Korean rows use the spacing, particles,
slang and typos people type in a live chat; English rows use everyday phrasing.
"""

from __future__ import annotations

from typing import NamedTuple


class TableRow(NamedTuple):
    question: str
    locale: str
    expected: str
    facts: tuple[str, ...] = ()


QUESTION_TABLE: tuple[TableRow, ...] = (
    # -- Korean: time and date --------------------------------------------------------------------------
    TableRow("행사 몇시에 시작해요?", "ko", "when", ("13:00",)),
    TableRow("몇시부터임?", "ko", "when", ("13:00",)),
    TableRow("언제 끝나나요", "ko", "when", ("16:30",)),
    TableRow("행사날짜가 언제에요", "ko", "when", ("12월 15일",)),
    # -- Korean: venue ------------------------------------------------------------------------------------
    TableRow("장소가 어디예요?", "ko", "venue", ("6층",)),
    TableRow("행사장 몇층이에요", "ko", "venue", ("6층",)),
    TableRow("판교 어디서 해요?", "ko", "venue", ("기업지원허브",)),
    TableRow("행사 장쇼 알려주세요", "ko", "venue", ("6층",)),
    # -- Korean: watching ---------------------------------------------------------------------------------
    TableRow("생방 어디서 봐요?", "ko", "watch", ("youtube.com",)),
    TableRow("유튜브 링크 주세요", "ko", "watch", ("youtube.com", "CCEI SAY")),
    TableRow("생중게 링크좀", "ko", "watch", ("youtube.com",)),
    TableRow("온라인으로도 볼수있나요", "ko", "watch", ("CCEI SAY",)),
    TableRow("다시보기 되나요?", "ko", "replay", ("CCEI SAY",)),
    TableRow("놓쳤는데 재방송 있어요?", "ko", "replay", ()),
    # -- Korean: program parts ----------------------------------------------------------------------------
    TableRow("토크콘서트 몇시에 해요", "ko", "talk-concert", ("14:00",)),
    TableRow("토크 콘써트는 언제?", "ko", "talk-concert", ("14:00",)),
    TableRow("강연 주제가 뭐에요", "ko", "lecture", ("13:00", "무엇에 집중")),
    TableRow("성과공유회는 몇 시에 시작하나요", "ko", "results", ("15:10",)),
    TableRow("네트워킹 시간 있나요?", "ko", "networking", ("16:00",)),
    TableRow("오늘 일정 알려줘", "ko", "program", ("13:00", "토크콘서트", "네트워킹")),
    TableRow("프로그램 순서가 어떻게되나요", "ko", "program", ("성과공유회",)),
    # -- Korean: background -------------------------------------------------------------------------------
    TableRow("오픈이노베이션이 뭐예요?", "ko", "open-innovation", ("개방형 혁신",)),
    TableRow("오픈 이노베이숀 뜻이 뭔가요", "ko", "open-innovation", ("개방형 혁신",)),
    TableRow("이 행사 누가 주최해요?", "ko", "organizer", ("창조경제혁신센터",)),
    TableRow("혁신센터는 몇개나 있어요?", "ko", "centers", ("19",)),
    TableRow("공공액셀러레이터가 뭔데요", "ko", "public-accelerator", ("스타트업",)),
    TableRow("이 행사는 무슨 행사예요?", "ko", "purpose", ("성과",)),
    # -- Korean: regional results -------------------------------------------------------------------------
    TableRow("광주센터 성과 궁금해요", "ko", "gwangju", ("오토앤",)),
    TableRow("빛가람은 한전이랑 뭐했어요?", "ko", "bitgaram", ("전기차",)),
    TableRow("대구 씨랩 3.0이 뭐죠", "ko", "daegu", ("C-Lab 3.0", "삼성전자")),
    TableRow("인천혁신센터 KT랑 협업한 스타트업 몇개?", "ko", "incheon", ("54", "19")),
    TableRow("전남은 어떤 사업 해요", "ko", "jeonnam", ("GS",)),
    TableRow("경기센터 투자유치 얼마나 늘었어요", "ko", "gyeonggi", ("19억",)),
    TableRow("부산 롯데 협업 사례", "ko", "busan", ("파라바라",)),
    TableRow("파라바라가 뭐예요?", "ko", "busan", ("롯데마트",)),
    # -- Korean: practical --------------------------------------------------------------------------------
    TableRow("연사한테 질문하고 싶은데 어떻게 해요?", "ko", "ask-speakers", ("/ask",)),
    TableRow("영어 자막 있나요", "ko", "language", ("한국어",)),
    TableRow("현장 참석 가능한가요?", "ko", "attend", ("6층",)),
    # -- English ------------------------------------------------------------------------------------------
    TableRow("What time does it start?", "en", "when", ("13:00",)),
    TableRow("when does the event end", "en", "when", ("16:30",)),
    TableRow("Where is it held?", "en", "venue", ("6th floor",)),
    TableRow("which floor is the venue on", "en", "venue", ("6th floor",)),
    TableRow("Where can I watch the livestream?", "en", "watch", ("youtube.com",)),
    TableRow("youtube link pls", "en", "watch", ("youtube.com",)),
    TableRow("Will there be a recording I can watch later?", "en", "replay", ()),
    TableRow("What time is the talk concert?", "en", "talk-concert", ("14:00",)),
    TableRow("what's on the agenda", "en", "program", ("13:00", "Networking")),
    TableRow("What does open innovation mean?", "en", "open-innovation", ("outside",)),
    TableRow("Who is organizing this?", "en", "organizer", ("CCEI",)),
    TableRow("how many centres are there", "en", "centers", ("19",)),
    TableRow("What did Busan do with Lotte?", "en", "busan", ("Parabara",)),
    TableRow("Gyeonggi investment numbers", "en", "gyeonggi", ("1.9 billion",)),
    TableRow("how did Incheon work with KT", "en", "incheon", ("54",)),
    TableRow("How can I send a question to the speakers?", "en", "ask-speakers", ("/ask",)),
    TableRow("Is it in English?", "en", "language", ("Korean",)),
    TableRow("when is networkng", "en", "networking", ("16:00",)),
)

OFF_TOPIC: tuple[str, ...] = (
    "점심 메뉴 뭐예요?",
    "오늘 날씨 어때요",
    "What is the capital of France?",
    "ㅋㅋㅋㅋ",
)
