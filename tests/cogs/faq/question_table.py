"""Viewer questions and what the FAQ must do with each: the tables the matcher is judged on.

Shared by the tests (every row asserted exactly) and ``benchmarks/faq_matching.py`` (which prints recall,
precision and confident-wrong counts next to a plain rapidfuzz baseline).

* ``ORIGINAL``: the first table, written together with the entries (an optimistic set).
* ``ANSWERABLE``: written for issue 13 from the seed article and config/faq.toml before the matcher was
  tuned on it: Korean and English, slang, short forms of the sessions and the bot, no spaces, typos, and
  English questions about Korean names. Each row names the one entry that answers it, and facts the
  answer must hold.
* ``UNANSWERABLE``: things the organisers never announced (parking, dress code, other platforms, food,
  speakers' names, ...), off-topic chat, and plausible questions that share a word with an entry (삼성전자
  주가, parking at the venue). Each must get "no match" (the topics list, and the moderators see it),
  never a confident answer and never a "did you mean" about something else.
* ``AMBIGUOUS``: questions two entries answer about equally well; the right reply is "did you mean"
  offering both.
"""

from __future__ import annotations

from typing import NamedTuple


class TableRow(NamedTuple):
    question: str
    locale: str
    expected: str
    facts: tuple[str, ...] = ()


class AmbiguousRow(NamedTuple):
    question: str
    locale: str
    choices: frozenset[str]


ORIGINAL: tuple[TableRow, ...] = (
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

ANSWERABLE: tuple[TableRow, ...] = (
    # -- Korean: time and date --------------------------------------------------------------------------
    TableRow("몇시에 끝나요?", "ko", "when", ("16:30",)),
    TableRow("행사언제해요", "ko", "when", ("12월 15일",)),  # no spaces
    TableRow("오늘 몇시부터 몇시까지예요?", "ko", "when", ("13:00", "16:30")),
    TableRow("행사 날짜 언제임", "ko", "when", ("12월 15일",)),
    # -- Korean: venue ------------------------------------------------------------------------------------
    TableRow("행사장 주소 알려주세요", "ko", "venue", ("기업지원허브",)),
    TableRow("판교창업존어디에있어요", "ko", "venue", ("6층",)),  # no spaces
    TableRow("기업지원허브 몇 층?", "ko", "venue", ("6층",)),
    TableRow("행사장 어디임", "ko", "venue", ("6층",)),
    TableRow("행사장 위치가 어딘가여", "ko", "venue", ("판교",)),
    # -- Korean: watching and replay ----------------------------------------------------------------------
    TableRow("유튭 라이브 링크 ㄱㄱ", "ko", "watch", ("youtube.com",)),  # slang
    TableRow("생방주소좀", "ko", "watch", ("youtube.com",)),  # slang, no spaces
    TableRow("CCEI SAY 채널 어디서 봐요", "ko", "watch", ("CCEI SAY",)),
    TableRow("유투브로 볼수있어요?", "ko", "watch", ("youtube.com",)),  # misspelt
    TableRow("끝나고 다시볼수있나요", "ko", "replay", ("CCEI SAY",)),  # no spaces
    TableRow("녹화본 올라와요?", "ko", "replay", ()),
    TableRow("VOD 나와요?", "ko", "replay", ()),
    TableRow("다시보기 잇나요", "ko", "replay", ()),  # typo
    # -- Korean: background -------------------------------------------------------------------------------
    TableRow("오픈이노베이션 뜻", "ko", "open-innovation", ("개방형 혁신",)),
    TableRow("개방형혁신이 뭐임", "ko", "open-innovation", ("외부",)),
    TableRow("주최측이 누구예요", "ko", "organizer", ("창조경제혁신센터",)),
    TableRow("창경센터 전국에 몇개 있어요?", "ko", "centers", ("19",)),  # short form
    TableRow("혁신센터들은 무슨일 해요", "ko", "centers", ("공공액셀러레이터",)),
    TableRow("공공엑셀러레이터 의미가 뭐죠", "ko", "public-accelerator", ("스타트업",)),
    TableRow("이 행사 목적이 뭐예요?", "ko", "purpose", ("성과",)),
    # -- Korean: program parts ----------------------------------------------------------------------------
    TableRow("타임테이블 있나요", "ko", "program", ("13:00", "네트워킹")),
    TableRow("식순 알려주세요", "ko", "program", ("성과공유회",)),
    TableRow("강연 몇시에 시작?", "ko", "lecture", ("13:00",)),
    TableRow("키노트 주제 뭐에요", "ko", "lecture", ("무엇에 집중",)),
    TableRow("토콘 언제 시작해요", "ko", "talk-concert", ("14:00",)),  # the session's short form
    TableRow("토크콘서트시간", "ko", "talk-concert", ("14:00",)),  # no spaces
    TableRow("토크콘써트 몇시", "ko", "talk-concert", ("14:00",)),  # typo
    TableRow("성과공유회언제", "ko", "results", ("15:10",)),  # no spaces
    TableRow("성과발표 몇시에 해요", "ko", "results", ("15:10",)),
    TableRow("성과공유휘 몇시", "ko", "results", ("15:10",)),  # typo
    TableRow("성과공유 몇시", "ko", "results", ("15:10",)),  # short form
    TableRow("네트워킹 몇시부터?", "ko", "networking", ("16:00",)),
    TableRow("네트웍 시간", "ko", "networking", ("16:00",)),  # short form
    TableRow("네트워킹타임 언제", "ko", "networking", ("16:00",)),
    # -- Korean: regional results (a specific center beats the general list) ------------------------------
    TableRow("지역별 성과 알려줘요", "ko", "regional-results", ("광주",)),
    TableRow("광주센터 오토앤이랑 뭐해요", "ko", "gwangju", ("오토앤",)),
    TableRow("한전이랑 전기차충전 한 센터", "ko", "bitgaram", ("전기차",)),  # 한전 = 한국전력
    TableRow("빛가람센터 성과", "ko", "bitgaram", ("한국전력",)),
    TableRow("대구센터 살롱드대쉬가 뭐예요", "ko", "daegu", ("살롱드대쉬",)),
    TableRow("씨랩3.0 언제해요", "ko", "daegu", ("C-Lab 3.0",)),
    TableRow("인천 스마트엑스랩 몇개사 발굴했어요?", "ko", "incheon", ("54",)),
    TableRow("KT랑 협업한 스타트업 몇개", "ko", "incheon", ("19",)),
    TableRow("전남센터 수산식품 수출", "ko", "jeonnam", ("수산식품",)),
    TableRow("경기혁신센터 고용 몇명 늘었어요", "ko", "gyeonggi", ("260",)),
    TableRow("경기센터 성과 어때요", "ko", "gyeonggi", ("19억",)),
    TableRow("부산센터 성과 알려줘", "ko", "busan", ("파라바라",)),
    TableRow("트리플렛 롯데칠성", "ko", "busan", ("트리플렛",)),
    TableRow("아자스쿨이 뭐예요", "ko", "busan", ("롯데월드",)),
    TableRow("어떤 대기업들이 참여해요?", "ko", "partners", ("삼성전자",)),
    # First written as ambiguous (jeonnam or partners); the rule decides: the specific entry
    # (the center that works with GS) beats the general list that also names it.
    TableRow("GS홈쇼핑이랑 협업한 곳", "ko", "jeonnam", ("GS홈쇼핑",)),
    # -- Korean: practical (and the bot's short form) -----------------------------------------------------
    TableRow("연사한테 질문 어떻게 보내요", "ko", "ask-speakers", ("/ask",)),
    TableRow("질문보내는법", "ko", "ask-speakers", ("/ask",)),  # no spaces
    TableRow("영어자막 나와요?", "ko", "language", ("자막",)),
    TableRow("통역 있어요?", "ko", "language", ("통역",)),
    TableRow("현장 참석 신청 어떻게 해요", "ko", "attend", ("주최 측",)),
    TableRow("직접 가도 돼요?", "ko", "attend", ("6층",)),
    TableRow("봇 명령어 뭐있어요", "ko", "bot-help", ("/faq",)),
    TableRow("이 봇 사용법", "ko", "bot-help", ("/ask",)),
    TableRow("질문봇 뭐 할수있어?", "ko", "bot-help", ("/ask",)),  # the bot's short form
    # -- English ------------------------------------------------------------------------------------------
    TableRow("what date is the event", "en", "when", ("15 Dec",)),
    TableRow("what time does it finish", "en", "when", ("16:30",)),
    TableRow("how long does it last", "en", "when", ("16:30",)),
    TableRow("where's the venue exactly", "en", "venue", ("6th floor",)),
    TableRow("how do I get to the Pangyo Startup Zone", "en", "venue", ("Support Hub",)),
    TableRow("what floor is it on", "en", "venue", ("6th floor",)),
    TableRow("is there a livestream link", "en", "watch", ("youtube.com",)),
    TableRow("can i watch it on youtube", "en", "watch", ("youtube.com",)),
    TableRow("can I rewatch it afterwards", "en", "replay", ()),
    TableRow("will the vod be uploaded", "en", "replay", ()),
    TableRow("define open innovation", "en", "open-innovation", ("outside",)),
    TableRow("who is hosting this", "en", "organizer", ("CCEI",)),
    TableRow("how many CCEI centers are there", "en", "centers", ("19",)),
    TableRow("whats a public accelerator", "en", "public-accelerator", ("startups",)),
    TableRow("what's the schedule today", "en", "program", ("13:00",)),
    TableRow("when is the keynote", "en", "lecture", ("13:00",)),
    TableRow("when does the talk show start", "en", "talk-concert", ("14:00",)),
    TableRow("results sharing session time", "en", "results", ("15:10",)),
    TableRow("networking time?", "en", "networking", ("16:00",)),
    # English about Korean names
    TableRow("what did KEPCO do with startups", "en", "bitgaram", ("EV charging",)),
    TableRow("EV charging with the power company", "en", "bitgaram", ("KEPCO",)),
    TableRow("Samsung C-Lab 3.0", "en", "daegu", ("C-Lab 3.0",)),
    TableRow("what is Salon de Dash", "en", "daegu", ("Salon de Dash",)),
    TableRow("what is SMART-X LAB", "en", "incheon", ("54",)),
    TableRow("Incheon center results", "en", "incheon", ("KT",)),
    TableRow("Parabara vending machines", "en", "busan", ("Lotte Mart",)),
    TableRow("tell me about Busan and Lotte World", "en", "busan", ("Azaschool",)),
    TableRow("Autoen MOU", "en", "gwangju", ("Autoen",)),
    TableRow("fishery exports in Jeonnam", "en", "jeonnam", ("fishery",)),
    TableRow("how many jobs did Gyeonggi create", "en", "gyeonggi", ("260",)),
    TableRow("what did the regional centers achieve", "en", "regional-results", ("Gwangju",)),
    TableRow("which big companies are involved", "en", "partners", ("Samsung",)),
    TableRow("how do i submit a question for the panel", "en", "ask-speakers", ("/ask",)),
    TableRow("are there english subtitles", "en", "language", ("Korean",)),
    TableRow("can I come in person", "en", "attend", ("in person",)),
    TableRow("what commands does this bot have", "en", "bot-help", ("/faq",)),
)

UNANSWERABLE: tuple[tuple[str, str], ...] = (
    # -- never announced ----------------------------------------------------------------------------------
    ("주차 가능한가요?", "ko"),
    ("주차장 있어요?", "ko"),
    ("드레스코드 있나요?", "ko"),
    ("정장 입고 가야 돼요?", "ko"),
    ("점심 제공되나요?", "ko"),
    ("기념품 주나요?", "ko"),
    ("경품 이벤트 있어요?", "ko"),
    ("참가하면 수료증 나와요?", "ko"),
    ("와이파이 비밀번호 뭐예요", "ko"),
    ("내년에도 이 행사 하나요?", "ko"),
    ("연사 명단 알려주세요", "ko"),
    ("발표 자료 받을 수 있어요?", "ko"),
    ("참가비 얼마예요?", "ko"),
    ("행사 끝나고 뒤풀이 있어요?", "ko"),
    ("Is there parking at the venue?", "en"),
    ("What's the dress code?", "en"),
    ("Will lunch be provided?", "en"),
    ("What's the wifi password?", "en"),
    ("Do attendees get a certificate?", "en"),
    ("Who are the speakers?", "en"),
    ("Will there be a 2023 edition?", "en"),
    ("Are the slides available for download?", "en"),
    ("Is the venue wheelchair accessible?", "en"),
    ("Can I bring my dog?", "en"),
    # -- other platforms ----------------------------------------------------------------------------------
    ("네이버 TV에서도 중계해요?", "ko"),
    ("아프리카TV로도 볼 수 있나요?", "ko"),
    ("Zoom으로 참여 가능해요?", "ko"),
    ("Is it also streamed on Twitch?", "en"),
    ("Can I watch it on Facebook?", "en"),
    # -- a word of an entry, about something else ---------------------------------------------------------
    ("삼성전자 주가 얼마예요?", "ko"),
    ("한국전력 전기요금 인상돼요?", "ko"),
    ("롯데월드 입장권 할인 있어요?", "ko"),
    ("판교 맛집 추천해주세요", "ko"),
    ("How much is the Samsung stock today?", "en"),
    ("any job openings at KT?", "en"),
    # -- off-topic ----------------------------------------------------------------------------------------
    ("점심 메뉴 뭐예요?", "ko"),
    ("오늘 날씨 어때요", "ko"),
    ("비트코인 시세 알려줘", "ko"),
    ("ㅋㅋㅋㅋ", "ko"),
    ("What is the capital of France?", "en"),
)

AMBIGUOUS: tuple[AmbiguousRow, ...] = (
    # 삼성 points at Daegu's C-Lab, 프로그램 at the program.
    AmbiguousRow("삼성이랑 하는 프로그램", "ko", frozenset({"daegu", "program"})),
    # Who organises it, or where it is?
    AmbiguousRow("주최측이 어디에요", "ko", frozenset({"organizer", "venue"})),
    # The physical venue, or how to attend in person?
    AmbiguousRow("오프라인 장소 어디임", "ko", frozenset({"venue", "attend"})),
)
