"""Slack input parsed once into typed data before a listener acts on it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SlashCommandInput(BaseModel):
    """A slash command as Slack posts it (form-encoded; only the fields takibi reads).

    ``command=/takibi&text=status カミナシ&user_id=U…&channel_id=C…&team_id=T…&response_url=…&trigger_id=…``
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    command: str
    text: str = ""
    user_id: str
    channel_id: str | None = None
    team_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None

    @property
    def subcommand(self) -> str:
        """The first word, lower-cased: ``/takibi Help`` and ``/takibi help`` are the same."""
        words = self.text.split(maxsplit=1)
        return words[0].lower() if words else ""

    @property
    def argument(self) -> str:
        """Everything after the first word, as typed (account names may contain spaces)."""
        words = self.text.split(maxsplit=1)
        return words[1].strip() if len(words) > 1 else ""
