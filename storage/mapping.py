"""Rows to scoring's plain types and back: the one place that knows both vocabularies.

Scoring takes frozen dataclasses and returns reasons as catalog keys plus values; the database keeps
enums as strings, timestamps in UTC and reasons as JSON. Everything that converts between the two
lives here, so the facts loader, the scoring pass and the Slack surface agree on every detail (which
role counts for a vacancy, which local day a touchpoint falls on, how a label survives JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from types import MappingProxyType
from typing import Any

from scoring.model import (
    ELEMENTS,
    AnswerValue,
    Expectation,
    HealthResult,
    KeyPerson,
    Onboarding,
    Reason,
    Role,
    Text,
    Touchpoint,
)
from storage.enums import ExpectationFit, KeyPersonRole

ROLES: Mapping[str, Role] = {
    KeyPersonRole.PO.value: Role.PO,
    KeyPersonRole.PL.value: Role.PL,
    KeyPersonRole.DECISION_MAKER.value: Role.DECISION_MAKER,
    KeyPersonRole.CHAMPION.value: Role.CHAMPION,
}
"""Stored roles that scoring knows; an opponent holds no seat that can fall vacant, so it is absent
(open opposition is asked as a question instead)."""

EXPECTATIONS: Mapping[str, Expectation] = {
    ExpectationFit.OVER.value: Expectation.OVER,
    ExpectationFit.FIT.value: Expectation.FIT,
    ExpectationFit.UNDER.value: Expectation.UNDER,
}


def key_person(role: str, since: date | None, left_on: date | None, name: str = "") -> KeyPerson | None:
    """A stored key person as scoring sees them; ``None`` for roles scoring has no use for."""
    scoring_role = ROLES.get(str(role))
    if scoring_role is None:
        return None
    return KeyPerson(scoring_role, since=since, left_on=left_on, name=name)


def local_day(at: datetime, tz: tzinfo) -> date:
    """The team's calendar day of a UTC timestamp: a 09:00 JST call is on that JST day, not the UTC one."""
    return at.astimezone(tz).date()


def touchpoint(on: date, kind: str, expectation: str | None) -> Touchpoint:
    return Touchpoint(on, str(kind), None if expectation is None else EXPECTATIONS.get(str(expectation)))


_ANSWER_TYPES = frozenset({bool, int, str, type(None)})


def answer_value(raw: object) -> AnswerValue:
    """A JSON answer as scoring reads it; any other shape counts as unknown rather than failing a pass."""
    if type(raw) in _ANSWER_TYPES:
        return raw  # type: ignore[return-value]
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)  # a scale answer that went through a float somewhere
    return None


def onboarding(planned_end: date | None, completed_on: date | None) -> Onboarding | None:
    """``None`` when nothing is recorded, so scoring reports the plan as unknown."""
    if planned_end is None and completed_on is None:
        return None
    return Onboarding(planned_end=planned_end, completed_on=completed_on)


# --- reasons as JSON -----------------------------------------------------------------------------
# Reason values are plain numbers and strings, dates, and labels in both languages. JSON has neither
# dates nor labels, and a catalog template formats a date with ``{since:%m/%d}``, so both are tagged
# and restored on the way back: {"$date": "2026-10-01"}, {"$text": {"ja": "...", "en": "..."}}.

DATE_TAG = "$date"
TEXT_TAG = "$text"
UNKNOWN_FLAG = "unknown"


def param_to_json(value: object) -> object:
    if isinstance(value, Text):
        return {TEXT_TAG: {"ja": value.ja, "en": value.en}}
    if isinstance(value, datetime):
        return {DATE_TAG: value.date().isoformat()}
    if isinstance(value, date):
        return {DATE_TAG: value.isoformat()}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def param_from_json(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        if DATE_TAG in value:
            return date.fromisoformat(str(value[DATE_TAG]))
        if TEXT_TAG in value and isinstance(value[TEXT_TAG], dict):
            text = value[TEXT_TAG]
            return Text(str(text.get("ja", "")), str(text.get("en", "")))
    return value


def params_to_json(
    params: Mapping[str, object], shared: dict[int, dict[str, object]] | None = None
) -> dict[str, object]:
    """Encoded values; labels (``Text``, shared by every account) are encoded once per ``shared``."""
    if shared is None:
        return {name: param_to_json(value) for name, value in params.items()}
    encoded: dict[str, object] = {}
    for name, value in params.items():
        if type(value) is Text:
            cached = shared.get(id(value))
            if cached is None:
                cached = shared[id(value)] = {TEXT_TAG: {"ja": value.ja, "en": value.en}}
            encoded[name] = cached
        else:
            encoded[name] = param_to_json(value)
    return encoded


def reason_to_json(
    reason: Reason, *, unknown: bool = False, shared: dict[int, dict[str, object]] | None = None
) -> dict[str, Any]:
    """``{"key", "params", "impact"}``, plus ``"unknown": true`` for what is still to be found out.

    ``shared`` caches the encoding of read-only parameter mappings (``MappingProxyType``) and labels,
    which the compiled configuration shares between every account's reasons; one dict per batch (it
    is keyed by object id, so it must not outlive the results it was used for).
    """
    params = reason.params
    if shared is not None and type(params) is MappingProxyType:
        encoded = shared.get(id(params))
        if encoded is None:
            encoded = shared[id(params)] = params_to_json(params, shared)
    else:
        encoded = params_to_json(params, shared)
    data: dict[str, Any] = {"key": reason.key, "params": encoded, "impact": round(reason.impact, 3)}
    if unknown:
        data[UNKNOWN_FLAG] = True
    return data


def reason_from_json(data: Mapping[str, Any]) -> Reason:
    params = data.get("params") or {}
    return Reason(
        key=str(data["key"]),
        params={str(name): param_from_json(value) for name, value in params.items()},
        impact=float(data.get("impact") or 0.0),
    )


def reasons_to_json(
    result: HealthResult, shared: dict[int, dict[str, object]] | None = None
) -> list[dict[str, Any]]:
    """The result's reasons (strongest first), then its unknowns, as one JSON list for the snapshot."""
    return [reason_to_json(r, shared=shared) for r in result.reasons] + [
        reason_to_json(r, unknown=True, shared=shared) for r in result.unknowns
    ]


def reasons_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[tuple[Reason, ...], tuple[Reason, ...]]:
    """A snapshot's stored list split back into (reasons, unknowns), each in stored order."""
    reasons: list[Reason] = []
    unknowns: list[Reason] = []
    for item in items:
        (unknowns if item.get(UNKNOWN_FLAG) else reasons).append(reason_from_json(item))
    return tuple(reasons), tuple(unknowns)


# --- snapshots -----------------------------------------------------------------------------------

SNAPSHOT_ELEMENT_COLUMNS: Sequence[tuple[str, str]] = tuple(
    (f"{element.value}_score", f"{element.value}_grade") for element in ELEMENTS
)


def snapshot_values(
    result: HealthResult,
    account_id: int,
    computed_at: datetime,
    shared: dict[int, dict[str, object]] | None = None,
) -> dict[str, Any]:
    """The ``health_snapshots`` row of one result, as column values ready for a bulk upsert."""
    values: dict[str, Any] = {
        "account_id": account_id,
        "day": result.as_of,
        "overall_score": result.score,
        "overall_grade": result.grade,
        "confidence": result.confidence,
        "reasons": reasons_to_json(result, shared),
        "config_version": result.config_version,
        "computed_at": computed_at,
    }
    for (score_column, grade_column), score, grade in zip(
        SNAPSHOT_ELEMENT_COLUMNS, result.element_scores, result.element_grades, strict=True
    ):
        values[score_column] = score
        values[grade_column] = grade
    return values
