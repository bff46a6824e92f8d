"""The ``rules`` and ``cta`` sections of ``takibi.yml``: when takibi raises a CTA, and how CTAs behave.

A rule is data, never code: an id, a title, the element it watches, a *structured* condition, a
priority, a due date in business days, a playbook (a short checklist), an on/off switch and a
cool-down. A condition is a mapping with exactly one key naming what it checks::

    condition:
      any:
        - role_vacant: {role: po}
        - compare: {metric: login_rate, op: "<", value: 0.2}

``all`` / ``any`` hold a list of conditions (and may nest); every other key is a check on one fact.
Writing the kind as the key keeps every error at the path the admin wrote (``rules[2].condition.any[1]
.compare.metric``), which a ``kind:`` tag inside a union would not.

This module stands alone (it imports nothing from ``scoring.config``), so the two can import each other
in either order; ``scoring.config`` adds the sections to ``TakibiConfig`` and wraps the problems found
here (paths relative to the section) into its ``ConfigProblem``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from scoring.model import Element, Role, Text

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
MetricId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SegmentKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)]
Days = Annotated[int, Field(ge=1, le=3650)]
DaysOrZero = Annotated[int, Field(ge=0, le=3650)]
GradeNumber = Annotated[int, Field(ge=1, le=5)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
SlackName = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]

ONBOARDING_METRIC = "onboarding_delay_days"
"""Mirrors ``scoring.config.ONBOARDING_DELAY``: computed from the onboarding dates, it has no history."""

_UPPER_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_REACTION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_+-'")


def _slack_id(value: str, first: str) -> bool:
    """``U0TAKAHASHI``-shaped: one of ``first``, then two or more upper-case letters or digits."""
    return len(value) >= 3 and value[0] in first and all(c in _UPPER_ALNUM for c in value[1:])


Loc = tuple[str | int, ...]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class RuleText(_Model):
    """A rule's title or playbook step, in Japanese (default) and English."""

    ja: NonEmpty
    en: NonEmpty

    def text(self) -> Text:
        return Text(self.ja, self.en)


# --- conditions ----------------------------------------------------------------------------------

Op = Literal["<", "<=", ">", ">=", "=="]


class Compare(_Model):
    """The latest fresh value of a fire metric compared with a value (per segment if overridden)."""

    metric: MetricId
    op: Op
    value: float
    segments: dict[SegmentKey, float] = Field(default_factory=dict)


class Change(_Model):
    """A fire metric moved ``down`` (or ``up``) by ``percent`` % or by ``amount`` over ``days`` days."""

    metric: MetricId
    direction: Literal["down", "up"] = "down"
    percent: Annotated[float, Field(gt=0)] | None = None
    amount: Annotated[float, Field(gt=0)] | None = None
    days: Days


class NoTouchpoint(_Model):
    """No touchpoint for at least ``days`` days (per segment if overridden)."""

    days: Days
    segments: dict[SegmentKey, Days] = Field(default_factory=dict)


class RoleVacant(_Model):
    """Someone held the role, left, and nobody has held it since."""

    role: Role


class RoleLeft(_Model):
    """Someone in the role left within the last ``within_days`` days, or on or after ``since``.

    ``successor``: ``present`` = only when someone holds the role again, ``absent`` = only while it is
    vacant, ``any`` (default) = either.
    """

    role: Role
    within_days: Days | None = None
    since: date | None = None
    successor: Literal["any", "present", "absent"] = "any"


class GradeAtOrBelow(_Model):
    """The overall grade (or one element's) is at or below ``grade``."""

    grade: GradeNumber
    element: Element | None = None


class GradeDrop(_Model):
    """The overall grade (or one element's) is ``levels`` or more below what it was ``days`` days ago."""

    levels: Annotated[int, Field(ge=1, le=4)]
    days: Days
    element: Element | None = None


class RenewalWithin(_Model):
    """The renewal date is today or within the next ``days`` days."""

    days: DaysOrZero


class OnboardingOverdue(_Model):
    """Onboarding is not complete and its planned end passed more than ``days`` days ago."""

    days: DaysOrZero = 0


class Condition(_Model):
    """Exactly one key: a group (``all`` / ``any``) or one check."""

    all: tuple[Condition, ...] | None = Field(default=None, min_length=1)
    any: tuple[Condition, ...] | None = Field(default=None, min_length=1)
    compare: Compare | None = None
    change: Change | None = None
    no_touchpoint: NoTouchpoint | None = None
    role_vacant: RoleVacant | None = None
    role_left: RoleLeft | None = None
    grade_at_or_below: GradeAtOrBelow | None = None
    grade_drop: GradeDrop | None = None
    renewal_within: RenewalWithin | None = None
    onboarding_overdue: OnboardingOverdue | None = None

    def keys_set(self) -> tuple[str, ...]:
        return tuple(name for name in type(self).model_fields if getattr(self, name) is not None)


CONDITION_KINDS: tuple[str, ...] = tuple(Condition.model_fields)


class Rule(_Model):
    """One CTA rule. ``due_business_days`` counts business days (weekends and holidays skipped)."""

    id: RuleId
    title: RuleText
    element: Element | None = None
    """The bonfire element the rule watches; none for rules on the overall health."""
    condition: Condition
    priority: Priority = Priority.MEDIUM
    due_business_days: Annotated[int, Field(ge=0, le=60)] = 5
    playbook: tuple[RuleText, ...] = Field(min_length=1, max_length=10)
    enabled: bool = True
    cooldown_days: DaysOrZero = 14


# --- the cta section -----------------------------------------------------------------------------


class Reactions(_Model):
    """Emoji names (without colons) that act on a CTA alert: take it, mark it done, snooze it."""

    take: SlackName = "eyes"
    done: SlackName = "white_check_mark"
    snooze: SlackName = "zzz"

    @field_validator("take", "done", "snooze")
    @classmethod
    def _without_colons(cls, value: str) -> str:
        """``:eyes:`` as Slack shows it, or ``eyes`` as its events name it: the same reaction."""
        return value.strip(":")


class CtaSettings(_Model):
    """Where alerts go, who they escalate to, and how long CTAs live."""

    channels: dict[SegmentKey, str] = Field(default_factory=dict)
    """Alert channel per segment; an account's own alert channel wins."""
    default_channel: str | None = None
    """For segments without a channel of their own."""
    segment_leads: dict[SegmentKey, str] = Field(default_factory=dict)
    """Who hears about a CTA nobody took in time, per segment."""
    reactions: Reactions = Reactions()
    snooze_days: Days = 7
    """How long the snooze reaction snoozes."""
    escalate_after_business_hours: Annotated[int, Field(ge=1, le=200)] = 8
    """Business hours and days are the ``schedule`` section's (working hours, weekend, holidays)."""
    expire_after_overdue_days: Days = 30


# --- cross-field checks --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionProblem:
    """A problem inside ``rules`` or ``cta``: ``loc`` relative to the section; a catalog key and values."""

    loc: Loc
    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    on_key: bool = False


def rules_problems(
    rules: tuple[Rule, ...], *, metrics: Collection[str], segments: Collection[str]
) -> Iterator[SectionProblem]:
    """Unique ids, one key per condition, known metrics and segments, complete windows and sizes."""
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.id in seen:
            yield SectionProblem(
                (index, "id"), "config.error.duplicate_id", {"id": rule.id, "first": seen[rule.id] + 1}
            )
        else:
            seen[rule.id] = index
        yield from _condition_problems(rule.condition, (index, "condition"), metrics, segments)


def _condition_problems(
    condition: Condition, loc: Loc, metrics: Collection[str], segments: Collection[str]
) -> Iterator[SectionProblem]:
    keys = condition.keys_set()
    if not keys:
        yield SectionProblem(loc, "config.error.rule_condition_empty", {"kinds": ", ".join(CONDITION_KINDS)})
        return
    if len(keys) > 1:
        yield SectionProblem(loc, "config.error.rule_condition_many", {"keys": ", ".join(keys)})
    for group in (condition.all, condition.any):
        if group is not None:
            name = "all" if group is condition.all else "any"
            for i, child in enumerate(group):
                yield from _condition_problems(child, (*loc, name, i), metrics, segments)
    if condition.compare is not None:
        here = (*loc, "compare")
        yield from _metric_known(condition.compare.metric, (*here, "metric"), metrics)
        yield from _segments_known(condition.compare.segments, (*here, "segments"), segments)
    if condition.change is not None:
        change, here = condition.change, (*loc, "change")
        if change.metric == ONBOARDING_METRIC:
            yield SectionProblem(
                (*here, "metric"), "config.error.rule_change_builtin", {"metric": change.metric}
            )
        else:
            yield from _metric_known(change.metric, (*here, "metric"), metrics)
        if (change.percent is None) == (change.amount is None):
            yield SectionProblem(here, "config.error.rule_change_size")
    if condition.no_touchpoint is not None:
        yield from _segments_known(
            condition.no_touchpoint.segments, (*loc, "no_touchpoint", "segments"), segments
        )
    if condition.role_left is not None:
        left = condition.role_left
        if (left.within_days is None) == (left.since is None):
            yield SectionProblem((*loc, "role_left"), "config.error.rule_left_window")


def _metric_known(metric: str, loc: Loc, metrics: Collection[str]) -> Iterator[SectionProblem]:
    if metric not in metrics:
        yield SectionProblem(loc, "config.error.unknown_metric", {"metric": metric})


def _segments_known(keys: Mapping[str, object], loc: Loc, known: Collection[str]) -> Iterator[SectionProblem]:
    for segment in keys:
        if segment not in known:
            yield SectionProblem(
                (*loc, segment),
                "config.error.unknown_segment",
                {"segment": segment, "known": ", ".join(sorted(known))},
                on_key=True,
            )


def cta_problems(cta: CtaSettings, *, segments: Collection[str]) -> Iterator[SectionProblem]:
    """Known segments, Slack id shapes, distinct reactions."""
    yield from _segments_known(cta.channels, ("channels",), segments)
    yield from _segments_known(cta.segment_leads, ("segment_leads",), segments)
    for segment, channel in cta.channels.items():
        if not _slack_id(channel, "CG"):
            yield SectionProblem(("channels", segment), "config.error.cta_channel_id", {"value": channel})
    if cta.default_channel is not None and not _slack_id(cta.default_channel, "CG"):
        yield SectionProblem(
            ("default_channel",), "config.error.cta_channel_id", {"value": cta.default_channel}
        )
    for segment, user in cta.segment_leads.items():
        if not _slack_id(user, "UW"):
            yield SectionProblem(("segment_leads", segment), "config.error.cta_user_id", {"value": user})
    names = {"take": cta.reactions.take, "done": cta.reactions.done, "snooze": cta.reactions.snooze}
    counts = Counter(names.values())
    for action, name in names.items():
        if not set(name) <= _REACTION_CHARS:
            yield SectionProblem(("reactions", action), "config.error.reaction_name", {"value": name})
        elif counts[name] > 1:
            yield SectionProblem(("reactions", action), "config.error.reaction_twice", {"value": name})
