"""The schema of ``takibi.yml``: what an admin (設定担当大臣) can change about the health score.

Every model is frozen and refuses unknown keys, so a typo is an error instead of a silently ignored
setting. Checks that span fields (unique ids, known segments, increasing grade boundaries, ...) run once
the shape is valid and report each problem at its own path. Problems carry catalog keys and values, not
wording, like every other output of ``scoring``.

Adding a section later (CTA rules, schedules, Slack channels, admins, connectors, digest): give it its
own model with defaults, add it as a field of ``TakibiConfig`` with a default (old files keep loading and
keep their ``config_version``, which ignores default values), and append its cross-field check to
``_CHECKS``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from scoring.config_access import AccessSettings, access_problems
from scoring.config_connectors import ConnectorSettings, connector_problems
from scoring.config_digest import DigestSettings
from scoring.config_nudges import NudgeSettings, nudge_problems
from scoring.config_rules import CtaSettings, Rule, cta_problems, rules_problems
from scoring.config_schedule import ScheduleConfig, schedule_problems
from scoring.model import Element, Role, Text

SCHEMA_VERSION = 1
"""Bump when a default or the meaning of a field changes, so ``config_version`` changes with it."""

ONBOARDING_DELAY = "onboarding_delay_days"
"""The built-in fire metric computed from the account's onboarding dates instead of pulled data."""

QUALITATIVE: frozenset[Element] = frozenset({Element.FIREWOOD, Element.EMBER})

Loc = tuple[str | int, ...]

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SegmentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)]
Weight = Annotated[float, Field(ge=0)]
Score = Annotated[float, Field(ge=0, le=100)]
Share = Annotated[float, Field(ge=0, le=1)]
GradeNumber = Annotated[int, Field(ge=1, le=5)]
Days = Annotated[int, Field(ge=1)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Label(_Model):
    """A text shown to people, in Japanese (default) and English."""

    ja: NonEmpty
    en: NonEmpty

    def localized(self, locale: str) -> str:
        return self.en if locale == "en" else self.ja

    def text(self) -> Text:
        return Text(self.ja, self.en)


class Segment(_Model):
    """A customer segment (SMB, MM, EP, ...) that can have its own targets."""

    id: SegmentId
    label: Label


class ElementSettings(_Model):
    label: Label
    weight: Weight


class Elements(_Model):
    """The four bonfire elements; their weights share the overall score."""

    firewood: ElementSettings
    ember: ElementSettings
    wind: ElementSettings
    fire: ElementSettings

    def get(self, element: Element) -> ElementSettings:
        settings: ElementSettings = getattr(self, element.value)
        return settings


class _QuestionBase(_Model):
    id: Id
    element: Element
    label: Label
    help: Label | None = None
    weight: Weight = 1.0
    person_role: Role | None = None
    """When this role is recorded vacant after the answer was given, the answer counts as the worst."""


class Scale5Question(_QuestionBase):
    """Answered 1 (worst) to 5 (best), scored 0, 25, 50, 75, 100."""

    kind: Literal["scale5"]

    @property
    def worst_score(self) -> float:
        return 0.0


class YesNoQuestion(_QuestionBase):
    """Answered yes or no; each answer has its own score, so "yes" can be the bad one."""

    kind: Literal["yes_no"]
    yes_score: Score
    no_score: Score

    @property
    def worst_score(self) -> float:
        return min(self.yes_score, self.no_score)


class Choice(_Model):
    id: Id
    label: Label
    score: Score


class ChoiceQuestion(_QuestionBase):
    """Answered with one of a fixed list of choices, each with its own score."""

    kind: Literal["choice"]
    choices: tuple[Choice, ...] = Field(min_length=2)

    @property
    def worst_score(self) -> float:
        return min(c.score for c in self.choices)


Question = Annotated[Scale5Question | YesNoQuestion | ChoiceQuestion, Field(discriminator="kind")]


class RecencySettings(_Model):
    """Days since the last touchpoint: 100 within ``good_within_days``, 0 beyond ``bad_beyond_days``."""

    good_within_days: Annotated[int, Field(ge=0)]
    bad_beyond_days: Days
    weight: Weight


class FrequencyOverride(_Model):
    target: Annotated[float, Field(gt=0)]


class FrequencySettings(_Model):
    """Touchpoints in the last ``window_days`` against a target count (per segment if overridden)."""

    window_days: Days
    target: Annotated[float, Field(gt=0)]
    segments: dict[SegmentId, FrequencyOverride] = Field(default_factory=dict)
    weight: Weight


class FitSettings(_Model):
    """Share of rated touchpoints in the window that met expectation (fit): 100 at target, 0 at floor."""

    window_days: Days
    target: Share
    floor: Share
    weight: Weight


class WindSettings(_Model):
    recency: RecencySettings
    frequency: FrequencySettings
    fit: FitSettings


class MetricOverride(_Model):
    target: float | None = None
    floor: float | None = None


class FireMetric(_Model):
    """A usage metric: 100 at ``target``, 0 at ``floor``, linear between, unknown after ``fresh_days``."""

    id: Id
    label: Label
    unit: Literal["ratio", "count", "days", "number"] = "number"
    direction: Literal["higher_is_better", "lower_is_better"]
    target: float
    floor: float
    fresh_days: Days = 30
    weight: Weight = 1.0
    segments: dict[SegmentId, MetricOverride] = Field(default_factory=dict)

    def bounds(self, segment: str | None) -> tuple[float, float]:
        """Target and floor for a segment, falling back to the metric's own."""
        override = self.segments.get(segment) if segment is not None else None
        if override is None:
            return self.target, self.floor
        target = self.target if override.target is None else override.target
        floor = self.floor if override.floor is None else override.floor
        return target, floor


class FireSettings(_Model):
    metrics: tuple[FireMetric, ...] = ()


class ChainCap(_Model):
    """With chain aggregation: when ``element`` is at or below a grade, the overall grade is capped."""

    element: Element
    at_or_below: GradeNumber
    overall_at_most: GradeNumber


DEFAULT_CAPS: tuple[ChainCap, ...] = (
    ChainCap(element=Element.FIREWOOD, at_or_below=1, overall_at_most=2),
    ChainCap(element=Element.EMBER, at_or_below=1, overall_at_most=2),
)


class Aggregation(_Model):
    """``chain`` (default): weighted average, capped by weak upstream elements. ``weighted``: no caps."""

    mode: Literal["chain", "weighted"] = "chain"
    caps: tuple[ChainCap, ...] = DEFAULT_CAPS


class Grade(_Model):
    grade: GradeNumber
    min_score: Score
    label: Label
    emoji: NonEmpty


class TakibiConfig(_Model):
    """The whole ``takibi.yml``; ``config_parse.parse_config`` builds it and reports every problem."""

    segments: tuple[Segment, ...] = Field(min_length=1)
    elements: Elements
    assessment_max_age_days: Days = 120
    questions: tuple[Question, ...] = ()
    wind: WindSettings
    fire: FireSettings = FireSettings()
    aggregation: Aggregation = Aggregation()
    grades: tuple[Grade, ...]
    reference_accounts: dict[str, GradeNumber] = Field(default_factory=dict)
    access: AccessSettings = AccessSettings()
    rules: tuple[Rule, ...] = ()
    cta: CtaSettings = CtaSettings()
    connectors: tuple[ConnectorSettings, ...] = ()
    schedule: ScheduleConfig = ScheduleConfig()
    digest: DigestSettings = DigestSettings()
    nudges: NudgeSettings = NudgeSettings()

    @field_validator("reference_accounts", mode="before")
    @classmethod
    def _ids_as_text(cls, value: object) -> object:
        """External ids are often numbers in YAML (``10234: 4``); they are ids, so keep them as text."""
        if isinstance(value, Mapping):
            return {
                str(k) if isinstance(k, int) and not isinstance(k, bool) else k: v for k, v in value.items()
            }
        return value

    @_model_validator(mode="after")
    def _cross_field(self) -> TakibiConfig:
        problems = tuple(p for check in _CHECKS for p in check(self))
        if problems:
            raise PydanticCustomError(
                "takibi_cross_field", "{count} problem(s)", {"count": len(problems), "problems": problems}
            )
        return self

    @cached_property
    def config_version(self) -> str:
        """A short hash of the meaning: key order and spelled-out defaults do not change it."""
        # Who may use takibi does not change what a score means, so ``access`` is left out; nor do the
        # CTA rules and settings, which carry their own version (``scoring.rules.rules_version``); nor
        # does where the usage data is pulled from (``connectors``), nor when jobs run (``schedule``).
        # Nor does what the weekly digest counts (``digest``), nor whom the steward nudges (``nudges``).
        meaning = self.model_dump(
            mode="json",
            exclude_defaults=True,
            exclude={"access", "rules", "cta", "connectors", "schedule", "digest", "nudges"},
        )
        canonical = {"schema": SCHEMA_VERSION, "config": meaning}
        blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]

    def segment_ids(self) -> frozenset[str]:
        return frozenset(s.id for s in self.segments)


# --- problems ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in the file: where (a path into the data), a catalog key, and its values.

    ``on_key`` means the key itself is wrong (unknown key, bad segment id), so point at the key, not
    its value.
    """

    loc: Loc
    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    on_key: bool = False


# --- cross-field checks --------------------------------------------------------------------------


def _duplicates(ids: list[str], base: Loc) -> Iterator[ConfigProblem]:
    seen: dict[str, int] = {}
    for index, value in enumerate(ids):
        if value in seen:
            yield ConfigProblem(
                (*base, index, "id"), "config.error.duplicate_id", {"id": value, "first": seen[value] + 1}
            )
        else:
            seen[value] = index


def _check_segments(config: TakibiConfig) -> Iterator[ConfigProblem]:
    yield from _duplicates([s.id for s in config.segments], ("segments",))


def _check_elements(config: TakibiConfig) -> Iterator[ConfigProblem]:
    if all(config.elements.get(e).weight == 0 for e in Element):
        yield ConfigProblem(("elements",), "config.error.all_weights_zero")


def _check_questions(config: TakibiConfig) -> Iterator[ConfigProblem]:
    yield from _duplicates([q.id for q in config.questions], ("questions",))
    for index, question in enumerate(config.questions):
        if question.element not in QUALITATIVE:
            yield ConfigProblem(
                ("questions", index, "element"),
                "config.error.question_element",
                {"element": question.element.value},
            )
        if isinstance(question, ChoiceQuestion):
            yield from _duplicates([c.id for c in question.choices], ("questions", index, "choices"))


def _check_bounds(direction: str, target: float, floor: float, loc: Loc) -> Iterator[ConfigProblem]:
    if target == floor:
        yield ConfigProblem(loc, "config.error.target_equals_floor", {"target": target})
    elif (direction == "higher_is_better") != (target > floor):
        key = (
            "config.error.target_below_floor"
            if direction == "higher_is_better"
            else "config.error.target_above_floor"
        )
        yield ConfigProblem(loc, key, {"target": target, "floor": floor})


def _check_segment_keys(
    keys: Mapping[str, object], known: frozenset[str], base: Loc
) -> Iterator[ConfigProblem]:
    for segment in keys:
        if segment not in known:
            yield ConfigProblem(
                (*base, segment),
                "config.error.unknown_segment",
                {"segment": segment, "known": ", ".join(sorted(known))},
                on_key=True,
            )


def _check_fire(config: TakibiConfig) -> Iterator[ConfigProblem]:
    metrics = config.fire.metrics
    yield from _duplicates([m.id for m in metrics], ("fire", "metrics"))
    known = config.segment_ids()
    for index, metric in enumerate(metrics):
        base: Loc = ("fire", "metrics", index)
        if metric.id == ONBOARDING_DELAY and metric.direction != "lower_is_better":
            yield ConfigProblem(
                (*base, "direction"), "config.error.onboarding_direction", {"metric": metric.id}
            )
            continue
        yield from _check_bounds(metric.direction, metric.target, metric.floor, (*base, "target"))
        yield from _check_segment_keys(metric.segments, known, (*base, "segments"))
        for segment in metric.segments:
            if segment in known:
                target, floor = metric.bounds(segment)
                yield from _check_bounds(metric.direction, target, floor, (*base, "segments", segment))


def _check_wind(config: TakibiConfig) -> Iterator[ConfigProblem]:
    wind = config.wind
    if wind.recency.bad_beyond_days <= wind.recency.good_within_days:
        yield ConfigProblem(
            ("wind", "recency", "bad_beyond_days"),
            "config.error.bad_not_after_good",
            {"good": wind.recency.good_within_days},
        )
    yield from _check_segment_keys(
        wind.frequency.segments, config.segment_ids(), ("wind", "frequency", "segments")
    )
    yield from _check_bounds("higher_is_better", wind.fit.target, wind.fit.floor, ("wind", "fit", "target"))


def _check_grades(config: TakibiConfig) -> Iterator[ConfigProblem]:
    grades = config.grades
    if len(grades) != 5:
        yield ConfigProblem(("grades",), "config.error.grade_count", {"count": len(grades)})
        return
    numbers = Counter(g.grade for g in grades)
    for index, grade in enumerate(grades):
        if numbers[grade.grade] > 1:
            yield ConfigProblem(
                ("grades", index, "grade"), "config.error.grade_duplicate", {"grade": grade.grade}
            )
    if len(numbers) != 5:
        return
    ordered = sorted(range(5), key=lambda i: grades[i].grade)
    if grades[ordered[0]].min_score != 0:
        yield ConfigProblem(("grades", ordered[0], "min_score"), "config.error.grade_first_zero")
    for lower, upper in itertools.pairwise(ordered):
        if grades[upper].min_score <= grades[lower].min_score:
            yield ConfigProblem(
                ("grades", upper, "min_score"),
                "config.error.grade_order",
                {"grade": grades[upper].grade, "previous": grades[lower].min_score},
            )


def _check_access(config: TakibiConfig) -> Iterator[ConfigProblem]:
    for problem in access_problems(config.access):
        yield ConfigProblem(("access", *problem.loc), problem.key, problem.params)


def _check_rules(config: TakibiConfig) -> Iterator[ConfigProblem]:
    metrics = {m.id for m in config.fire.metrics}
    for problem in rules_problems(config.rules, metrics=metrics, segments=config.segment_ids()):
        yield ConfigProblem(("rules", *problem.loc), problem.key, problem.params, problem.on_key)


def _check_connectors(config: TakibiConfig) -> Iterator[ConfigProblem]:
    pulled = {m.id for m in config.fire.metrics if m.id != ONBOARDING_DELAY}
    builtin = {ONBOARDING_DELAY}
    for problem in connector_problems(config.connectors, pulled_metrics=pulled, builtin_metrics=builtin):
        yield ConfigProblem(("connectors", *problem.loc), problem.key, problem.params, problem.on_key)


def _check_cta(config: TakibiConfig) -> Iterator[ConfigProblem]:
    for problem in cta_problems(config.cta, segments=config.segment_ids()):
        yield ConfigProblem(("cta", *problem.loc), problem.key, problem.params, problem.on_key)


def _check_schedule(config: TakibiConfig) -> Iterator[ConfigProblem]:
    for problem in schedule_problems(config.schedule):
        yield ConfigProblem(("schedule", *problem.loc), problem.key, problem.params, problem.on_key)


def _check_nudges(config: TakibiConfig) -> Iterator[ConfigProblem]:
    for problem in nudge_problems(config.nudges):
        yield ConfigProblem(("nudges", *problem.loc), problem.key, problem.params)


_CHECKS: tuple[Callable[[TakibiConfig], Iterator[ConfigProblem]], ...] = (
    _check_segments,
    _check_elements,
    _check_questions,
    _check_wind,
    _check_fire,
    _check_grades,
    _check_access,
    _check_rules,
    _check_cta,
    _check_connectors,
    _check_schedule,
    _check_nudges,
)
