"""/admin faq end to end: the entry form through the stand-in, persistence across a restart, refusals,
list/export/stats, /admin status and /admin reload."""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from pathlib import Path
from typing import Any

from bot.config import default_config_path
from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, message_text
from bot.rehearsal.run import StandInBot
from tests.conftest import admin

from .conftest import FaqLauncher, ask_faq

PARKING = {
    "question_ko": "주차할 수 있나요?",
    "question_en": "Is there parking?",
    "answer_ko": "기업지원허브 지하 주차장을 쓸 수 있어요 ({start}부터). {strat}",
    "answer_en": "Use the Corporate Support Hub's underground car park (from {start}). {strat}",
    "keywords": "주차, 주차장, 차, parking, car park, car",
}


def modal_inputs(handle: InteractionHandle) -> dict[str, dict[str, Any]]:
    """The text inputs of the form the bot opened, by custom id (action rows or labels)."""
    modal = handle.modal
    assert modal is not None
    found: dict[str, dict[str, Any]] = {}
    for row in modal["components"]:
        for component in row.get("components") or [row.get("component") or {}]:
            if component.get("type") == 4:
                found[component["custom_id"]] = component
    return found


async def open_form(
    standin: DiscordStandIn, user: str, sub: str, entry: str, locale: str = "en-US"
) -> InteractionHandle:
    handle = await admin(standin, user, sub, group="faq", locale=locale, entry=entry)
    reply = await handle.response()
    assert reply["type"] == 9, message_text(reply.get("data") or {})
    return handle


async def submit(
    standin: DiscordStandIn,
    user: str,
    form: InteractionHandle,
    values: dict[str, str],
    locale: str = "en-US",
) -> tuple[InteractionHandle, str]:
    assert form.modal is not None
    handle = await standin.submit_modal(user, form.modal["custom_id"], values, locale=locale)
    reply = await handle.response()
    return handle, message_text(reply["data"])


async def test_add_edit_remove_persist_across_a_restart(
    start_faq: FaqLauncher, standin: DiscordStandIn
) -> None:
    first = await start_faq()

    form = await open_form(standin, "moderator", "add", "Parking")
    inputs = modal_inputs(form)
    assert set(inputs) == set(PARKING)
    assert all(1 <= len(i["label"]) <= 45 for i in inputs.values())
    assert len(form.modal["title"]) <= 45  # type: ignore[index]
    added, text = await submit(standin, "moderator", form, PARKING)
    assert added.ephemeral
    assert "Added the entry 'parking'." in text
    assert "{strat}" in text  # the unknown placeholder is pointed out

    edit = await open_form(standin, "owner", "edit", "venue", locale="ko")
    current = modal_inputs(edit)
    assert current["question_ko"]["value"] == "행사 장소가 어디인가요?"  # prefilled
    assert "6th floor" in current["answer_en"]["value"]
    values = {name: str(component["value"]) for name, component in current.items()}
    values["answer_ko"] = "올해는 7층 대회의실로 옮겼어요."
    values["answer_en"] = "This year it moved to the 7th floor main hall."
    _, text = await submit(standin, "owner", edit, values, locale="ko")
    assert "'venue' 항목을 고쳤어요." in text

    removed = await admin(standin, "moderator", "remove", group="faq", entry="replay")
    assert "Removed the entry 'replay'." in message_text((await removed.response())["data"])

    actions = [e["action"] for e in await first.bot.services.store.audit_entries(standin.guild_id)]
    assert sorted(actions) == ["faq_add", "faq_edit", "faq_remove"]
    await first.stop()

    await start_faq()
    _, parking = await ask_faq(standin, "member2", "Is there parking?", "en-US")
    assert "underground car park (from 13:00)" in parking
    _, venue = await ask_faq(standin, "member", "행사장 몇층이에요", "ko")
    assert "7층 대회의실" in venue
    _, replay = await ask_faq(standin, "owner", "다시보기 되나요?", "ko")
    assert "**다시보기가 있나요?**" not in replay  # the replay entry is gone
    listing = await admin(standin, "moderator", "list", group="faq")
    text = message_text((await listing.response())["data"])
    assert "`parking` Is there parking? (added by moderators)" in text
    assert "`venue` Where is the venue? (edited by moderators)" in text
    assert "Hidden config entries: replay" in text


async def test_members_cannot_change_the_faq_even_with_a_forms_id(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    t = running.bot.services.catalog.t
    refused = await admin(standin, "member", "add", group="faq", locale="ko", entry="parking")
    # The exact refusal: the unexpected-error text mentions 운영진 too.
    assert message_text((await refused.response())["data"]) == t("errors.not_moderator", "ko")
    assert refused.ephemeral

    form = await open_form(standin, "moderator", "add", "parking")
    handle, text = await submit(standin, "member", form, PARKING)  # a replayed submit
    assert handle.ephemeral
    assert text == t("errors.not_moderator", "en")
    assert "parking" not in running.bot.services.status_sources["faq"].matcher
    assert await running.bot.services.store.audit_entries(standin.guild_id) == []


async def test_bad_ids_and_duplicates_are_refused_before_the_form(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    for sub, entry, expected in (
        ("add", "venue", "An entry 'venue' already exists"),
        ("add", "bad id!", "could not be saved"),
        ("edit", "nope", "There is no entry 'nope'"),
        ("remove", "nope", "There is no entry 'nope'"),
    ):
        handle = await admin(standin, "moderator", sub, group="faq", entry=entry)
        reply = await handle.response()
        assert reply["type"] == 4, (sub, entry)
        assert handle.ephemeral
        assert expected in message_text(reply["data"]), (sub, entry)


async def test_a_bad_form_is_refused_with_the_problem(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    form = await open_form(standin, "moderator", "add", "parking", locale="ko")
    bad = {**PARKING, "question_en": "\x00\x01"}
    handle, text = await submit(standin, "moderator", form, bad, locale="ko")
    assert handle.ephemeral
    assert "항목을 저장하지 못했어요: question.en" in text


async def test_entry_autocomplete_for_edit_and_remove(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    handle = await standin.autocomplete(
        "moderator",
        name="admin",
        group="faq",
        subcommand="edit",
        options={"entry": "ven"},
        focused="entry",
        locale="en-US",
    )
    await handle.response()
    assert handle.choices is not None
    assert handle.choices[0] == {"name": "venue · Where is the venue?", "value": "venue"}
    assert all(len(c["name"]) <= 100 for c in handle.choices)


async def test_export_is_a_toml_file_that_loads_back(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    handle = await admin(standin, "moderator", "export", group="faq")
    message = await handle.wait_original()
    assert handle.ephemeral
    assert "Exported the current 27 FAQ entries" in message_text(message)
    [attachment] = message["attachments"]
    assert attachment["filename"] == "faq.toml"
    upload = standin.store.attachment_files[int(attachment["id"])]
    exported = tomllib.loads(upload.data.decode("utf-8"))
    assert [e["id"] for e in exported["faq"]][:3] == ["when", "venue", "watch"]


async def test_status_shows_the_faq(running: StandInBot, standin: DiscordStandIn) -> None:
    await ask_faq(standin, "member", "주차 가능한가요?", "ko")
    handle = await admin(standin, "moderator", "status")
    text = message_text((await handle.response())["data"])
    assert "27 entries · 1 unanswered · 0 open viewer questions" in text


async def test_reload_brings_in_the_new_faq(
    running: StandInBot, standin: DiscordStandIn, tmp_path: Path
) -> None:
    shipped = default_config_path().parent
    copy = tmp_path / "config"
    shutil.copytree(shipped, copy)
    faq_file = copy / "faq.toml"
    faq_file.write_text(
        faq_file.read_text("utf-8").replace("6층입니다.", "6층 A홀입니다."), "utf-8"
    )
    services = running.bot.services
    services.settings = dataclasses.replace(services.settings, config_path=copy / "event.toml")
    handle = await admin(standin, "moderator", "reload")
    await handle.response()
    _, text = await ask_faq(standin, "member", "장소가 어디예요?", "ko")
    assert "6층 A홀입니다." in text
