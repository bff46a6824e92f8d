"""Every Slack id takibi registers or sends (commands, callbacks, blocks, actions), in one place."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    TAKIBI = "/takibi"


class Subcommand(StrEnum):
    HELP = "help"


class HelpBlock(StrEnum):
    HEADER = "help_header"
    COMMANDS = "help_commands"
    UNKNOWN = "help_unknown"
    FOOTER = "help_footer"
