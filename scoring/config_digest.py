"""The ``digest`` section of ``takibi.yml``: what the weekly digest counts and against which targets.

The digest ties CS work to the business (principle 9): coverage, completion rate against a target and
MRR at risk are the numbers a CS manager takes to the management meeting. This module stands alone (it
imports nothing from ``scoring.config``), like the other sections.

Where a digest goes: by default one per team channel, the ``cta.channels`` of the segments (segments
sharing a channel share a digest; a segment without one uses ``cta.default_channel``). With
``per_channel: false`` there is one digest for the whole book, posted to ``channel`` (or
``cta.default_channel``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Days = Annotated[int, Field(ge=1, le=3650)]
Share = Annotated[float, Field(ge=0, le=1)]


class DigestSettings(BaseModel):
    """Defaults give a useful digest without any configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coverage_days: Days = 30
    """An account counts as covered when its last assessment (call date) is within this many days."""
    completion_target: Share = 0.8
    """The completion rate (実施率) the team aims at: done on time ÷ closed (done, dismissed, expired)."""
    at_risk_renewal_days: Days = 90
    """MRR at risk: renewal within this many days ..."""
    at_risk_grade_at_or_below: Annotated[int, Field(ge=1, le=5)] = 2
    """... and an overall grade at or below this one."""
    movers: Annotated[int, Field(ge=0, le=20)] = 5
    """How many of the biggest movers (up and down together) the digest lists."""
    history_weeks: Annotated[int, Field(ge=1, le=26)] = 8
    """Weeks of grade distribution in the chart's bars."""
    per_channel: bool = True
    """One digest per team channel (``cta.channels``); ``false``: one digest for every account."""
    channel: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    """Where the single digest goes with ``per_channel: false`` (default ``cta.default_channel``)."""
    chart: bool = True
    """Upload the chart (firewood × fire map, grade distribution) with the message."""
