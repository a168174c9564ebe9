"""The longest values Discord's client allows, in every string option of every command: each declares
its ``max_length``, and each answer arrives and is accepted (Discord refuses a message over 2,000
characters, and the user would see "This interaction failed"). The same for the FAQ entry form's
text inputs. The stand-in enforces the message limits; the shared ``standin`` fixture also validates
every request against Discord's OpenAPI spec on teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, message_text
from tests.conftest import Launcher

STRING, SUBCOMMAND, GROUP = 3, 1, 2
#: Values for the other option types a command may require: integer, boolean, channel, role, number.
OTHER_VALUES: dict[int, Any] = {4: 5, 5: False, 7: "qna", 8: "reminder", 10: 1.0}
DISCORD_OPTION_MAX = 6000
MESSAGE_LIMIT = 2000
#: Mentions, a bidi isolate and Korean text, repeated to the limit: the worst a client can send.
FILLER = "@everyone <@&1> \u2067질문 생중계 링크 "


def longest(max_length: int) -> str:
    return (FILLER * (max_length // len(FILLER) + 1))[:max_length]


def leaves(
    commands: list[dict[str, Any]],
) -> Iterator[tuple[str, str | None, str | None, list[Any]]]:
    """(command, group, subcommand, options) for every command that runs, at any depth."""
    for command in commands:
        options = command.get("options") or []
        nested = [o for o in options if o["type"] in (SUBCOMMAND, GROUP)]
        if not nested:
            yield command["name"], None, None, options
        for option in nested:
            if option["type"] == SUBCOMMAND:
                yield command["name"], None, option["name"], option.get("options") or []
            else:
                for sub in option.get("options") or []:
                    yield command["name"], option["name"], sub["name"], sub.get("options") or []


async def answered(handle: InteractionHandle) -> dict[str, Any]:
    """The answer the user sees: the reply, the deferred reply's follow-up, or the form opened."""
    reply = await handle.response()
    if reply["type"] == 5:  # deferred: the answer follows
        return {"type": 4, "data": await handle.wait_original()}
    return reply


def assert_fits(reply: dict[str, Any], what: str) -> None:
    assert reply["type"] in (4, 7, 9), (what, reply["type"])
    if reply["type"] != 9:
        text = (reply.get("data") or {}).get("content") or ""
        assert len(text) <= MESSAGE_LIMIT, (what, len(text))
        assert message_text(reply["data"]), what  # something was said


async def submit_longest(
    standin: DiscordStandIn, user: str, form: InteractionHandle
) -> dict[str, Any]:
    """Submit the form the bot opened with every text input at its max_length."""
    modal = form.modal
    assert modal is not None
    values = {}
    for row in modal["components"]:
        for component in row.get("components") or [row.get("component") or {}]:
            if component.get("type") == 4:
                values[component["custom_id"]] = longest(int(component["max_length"]))
    handle = await standin.submit_modal(user, modal["custom_id"], values, locale="ko")
    return await answered(handle)


async def test_the_longest_values_get_an_answer_in_every_command_and_form(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    await launch()
    tried = []
    for name, group, sub, options in leaves(standin.commands):
        free_text = [o for o in options if o["type"] == STRING and not o.get("choices")]
        for option in free_text:
            assert 1 <= int(option.get("max_length") or 0) <= DISCORD_OPTION_MAX, (
                name,
                sub,
                option,
            )
        if not free_text:
            continue
        what = " ".join(part for part in (name, group, sub) if part)
        user = "moderator" if name == "admin" else "member"
        values = {o["name"]: longest(int(o["max_length"])) for o in free_text}
        values |= {
            o["name"]: o["choices"][0]["value"] if o.get("choices") else OTHER_VALUES[o["type"]]
            for o in options
            if o.get("required") and o["name"] not in values
        }
        for option in free_text:
            if option.get("autocomplete"):
                typing = await standin.autocomplete(
                    user,
                    name=name,
                    group=group,
                    subcommand=sub,
                    options=values,
                    focused=option["name"],
                    locale="ko",
                )
                await typing.response()
                assert typing.choices is not None
                assert len(typing.choices) <= 25
                assert all(len(c["name"]) <= 100 for c in typing.choices), what
        handle = await standin.slash(
            user, name=name, group=group, subcommand=sub, options=values, locale="ko"
        )
        reply = await answered(handle)
        assert_fits(reply, what)
        if reply["type"] == 9:
            assert_fits(await submit_longest(standin, user, handle), f"{what} (form)")
        tried.append(what)
    assert {"faq", "ask", "admin faq add", "admin faq remove", "admin announce"} <= set(tried)

    # The entry form at its longest, then the answer built from it.
    form = await standin.slash(
        "moderator", name="admin", group="faq", subcommand="edit", options={"entry": "venue"}
    )
    assert (await form.response())["type"] == 9
    saved = await submit_longest(standin, "moderator", form)
    assert_fits(saved, "admin faq edit (form)")
    answer = await answered(
        await standin.slash("owner", name="faq", options={"question": "venue"}, locale="ko")
    )
    assert_fits(answer, "faq answer from the longest entry")
