"""The ``nudges`` section of ``takibi.yml``: how takibi plays the steward (運用担当大臣).

Data only stays fresh if someone asks every week (principle 8). On business-day mornings each CSM gets
a DM listing their accounts whose assessment is missing or older than ``stale_after_days`` and their
overdue CTAs, each with the one button that fixes it; the team channel gets a gentle roll-call of
coverage per CSM; and after ``escalate_after_ignored`` nudges in a row that changed nothing, the human
steward is told, once per streak.

Where the roll-call goes mirrors the digest: by default one per team channel, the ``cta.channels`` of
the segments (segments sharing a channel share a roll-call; a segment without one uses
``cta.default_channel``); with ``per_channel: false`` one roll-call for the whole book, posted to
``channel`` (or ``cta.default_channel``). This module stands alone (it imports nothing from
``scoring.config``), like the other sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

MAX_ITEMS = 20
"""A DM lists at most this many items (one block each, well within Slack's 50 blocks)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RollCallSettings(_Model):
    """The team channel's roll-call of coverage per CSM."""

    enabled: bool = True
    per_channel: bool = True
    """One roll-call per team channel (``cta.channels``); ``false``: one for every account."""
    channel: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    """Where the single roll-call goes with ``per_channel: false`` (default ``cta.default_channel``)."""


class NudgeSettings(_Model):
    """Defaults give kind, useful nudges without any configuration."""

    enabled: bool = True
    stale_after_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    """An assessment older than this asks for a new one; unset: ``assessment_max_age_days``, the age
    at which the score stops using it."""
    include_overdue_ctas: bool = True
    """List the CSM's CTAs past their due date too."""
    max_items: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = 10
    """Items per DM; the rest are counted ("and 4 more")."""
    escalate_after_ignored: Annotated[int, Field(ge=1, le=50)] = 3
    """Tell the steward after this many nudges in a row where none of the listed items was fixed."""
    steward: str | None = None
    """The human steward's Slack user id (U…); unset: nobody is told."""
    roll_call: RollCallSettings = RollCallSettings()


@dataclass(frozen=True, slots=True)
class NudgeProblem:
    """A problem inside the section: ``loc`` is relative to ``nudges``; a catalog key and its values."""

    loc: tuple[str | int, ...]
    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def nudge_problems(nudges: NudgeSettings) -> Iterator[NudgeProblem]:
    """Slack id shapes (whether they exist is Slack's to say at run time)."""
    if nudges.steward is not None and not _USER_ID.match(nudges.steward):
        yield NudgeProblem(("steward",), "config.error.slack_user_id", {"value": nudges.steward})
    channel = nudges.roll_call.channel
    if channel is not None and not _CHANNEL_ID.match(channel):
        yield NudgeProblem(("roll_call", "channel"), "config.error.slack_channel_id", {"value": channel})
