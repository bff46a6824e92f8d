"""``/takibi <subcommand>``: one entry point that acks at once, then runs the subcommand.

The registry below is the one list of subcommands: ``/takibi help`` is built from it, in the reader's
language (``help.command.<name>.usage`` / ``.summary`` in the catalogs). Subcommands answer by
``response_url`` (ephemeral) or open a modal with the command's trigger id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import assess, nudges, status
from handlers.context import Deps, Translate
from handlers.forms import SlashCommandInput
from handlers.ids import Command, Subcommand
from handlers.services.access import AccessPolicy
from handlers.surface import AfterAck, ModalOpener
from handlers.views.help import CommandHelp, help_message


class SubcommandRun(Protocol):
    def __call__(
        self,
        command: SlashCommandInput,
        *,
        respond: Respond,
        client: WebClient,
        t: Translate,
        deps: Deps,
        access: AccessPolicy,
        later: AfterAck,
        modals: ModalOpener,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    name: Subcommand
    run: SubcommandRun

    def help(self, t: Translate) -> CommandHelp:
        return CommandHelp(
            usage=t(f"help.command.{self.name}.usage"), summary=t(f"help.command.{self.name}.summary")
        )


def show_help(
    command: SlashCommandInput,
    *,
    respond: Respond,
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    later: AfterAck,
    modals: ModalOpener,
) -> None:
    respond(
        **help_message(t, [spec.help(t) for spec in SUBCOMMANDS.values()]).to_payload(),
        response_type="ephemeral",
    )


SUBCOMMANDS: dict[str, SubcommandSpec] = {
    spec.name: spec
    for spec in (
        SubcommandSpec(Subcommand.ASSESS, assess.run_assess),
        SubcommandSpec(Subcommand.STATUS, status.run_status),
        SubcommandSpec(Subcommand.MINE, status.run_mine),
        SubcommandSpec(Subcommand.CTAS, status.run_ctas),
        SubcommandSpec(Subcommand.NUDGE, nudges.run_nudge),
        SubcommandSpec(Subcommand.HELP, show_help),
    )
}


def takibi_command(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    later: AfterAck,
    modals: ModalOpener,
) -> None:
    ack()
    command = SlashCommandInput.model_validate(body)
    spec = SUBCOMMANDS.get(command.subcommand or Subcommand.HELP)
    if spec is None:
        commands = [known.help(t) for known in SUBCOMMANDS.values()]
        message = help_message(t, commands, unknown=command.subcommand)
        respond(**message.to_payload(), response_type="ephemeral")
        return
    spec.run(
        command, respond=respond, client=client, t=t, deps=deps, access=access, later=later, modals=modals
    )


def register(app: App) -> None:
    app.command(Command.TAKIBI)(takibi_command)
