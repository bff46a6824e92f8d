"""``/takibi <subcommand>``: one entry point that acks at once, then answers by ``response_url``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from handlers.context import Translate
from handlers.forms import SlashCommandInput
from handlers.ids import Command, Subcommand
from handlers.views.help import CommandHelp, help_message

SubcommandRun = Callable[[SlashCommandInput, Respond, Translate], None]


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    name: Subcommand
    run: SubcommandRun

    def help(self, t: Translate) -> CommandHelp:
        return CommandHelp(
            usage=t(f"help.command.{self.name}.usage"), summary=t(f"help.command.{self.name}.summary")
        )


def show_help(command: SlashCommandInput, respond: Respond, t: Translate) -> None:
    respond(
        **help_message(t, [spec.help(t) for spec in SUBCOMMANDS.values()]).to_payload(),
        response_type="ephemeral",
    )


SUBCOMMANDS: dict[str, SubcommandSpec] = {
    spec.name: spec for spec in (SubcommandSpec(Subcommand.HELP, show_help),)
}


def takibi_command(ack: Ack, body: dict[str, Any], respond: Respond, t: Translate) -> None:
    ack()
    command = SlashCommandInput.model_validate(body)
    spec = SUBCOMMANDS.get(command.subcommand or Subcommand.HELP)
    if spec is None:
        commands = [known.help(t) for known in SUBCOMMANDS.values()]
        message = help_message(t, commands, unknown=command.subcommand)
        respond(**message.to_payload(), response_type="ephemeral")
        return
    spec.run(command, respond, t)


def register(app: App) -> None:
    app.command(Command.TAKIBI)(takibi_command)
