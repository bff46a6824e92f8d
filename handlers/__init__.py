"""Slack listeners and scheduled jobs: thin (parse → call storage/scoring → render a view)."""

from __future__ import annotations

from slack_bolt import App

from handlers import assess, commands, cta, home, status, touchpoint


def register(app: App) -> None:
    """Attach every listener to the Bolt app; called once by the composition root."""
    commands.register(app)
    assess.register(app)
    status.register(app)
    touchpoint.register(app)
    home.register(app)
    cta.register(app)
