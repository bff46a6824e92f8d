"""Slack input → typed data: every rule of the assess and touchpoint forms, the typed metadata, and
block actions, one behaviour per test (plain data in, no Slack, no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handlers.forms import (
    InvalidFormError,
    PersonInput,
    answer_option,
    answer_value,
    parse_action,
    parse_assess,
    parse_message_shortcut,
    parse_touchpoint,
)
from handlers.metadata import AssessMetadata, MetadataError, TouchpointMetadata, locale_hint
from scoring.config import ChoiceQuestion, Scale5Question, YesNoQuestion
from storage.enums import ExpectationFit, KeyPersonRole, RenewalForecast, TouchpointKind
from tests.unit.views.surface_data import config

TODAY = date(2026, 11, 23)
QUESTIONS = config().questions


def option(value: str | None, kind: str = "radio_buttons") -> dict[str, Any]:
    selected = None if value is None else {"value": value, "text": {"type": "plain_text", "text": value}}
    return {"type": kind, "selected_option": selected}


def values(**blocks: dict[str, Any]) -> dict[str, Any]:
    """A valid assess state for account 42 (an untouched form), with ``blocks`` replaced."""
    base: dict[str, Any] = {
        "assess_account": {"account": option("42", "external_select")},
        "question:po_engagement:42": {"answer": option("4")},
        "question:open_opposition:42": {"answer": option("_unknown")},
        "tp_kind": {"kind": option(None, "static_select")},
        "tp_date": {"date": {"type": "datepicker", "selected_date": "2026-11-20"}},
        "tp_fit": {"fit": option(None)},
        "tp_effort": {"effort": {"type": "plain_text_input", "value": None}},
        "note": {"note": {"type": "plain_text_input", "value": None}},
    }
    for block_id, state in blocks.items():
        base[block_id] = {ACTION_IDS[block_id.split(":", maxsplit=1)[0]]: state}
    return base


ACTION_IDS = {
    "assess_account": "account",
    "question": "answer",
    "person_name": "name",
    "person_left": "left",
    "renewal": "renewal",
    "tp_kind": "kind",
    "tp_date": "date",
    "tp_fit": "fit",
    "tp_effort": "effort",
    "note": "note",
}


def text(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def errors_of(state: object) -> dict[str, str]:
    with pytest.raises(InvalidFormError) as caught:
        parse_assess(state, QUESTIONS, today=TODAY, rendered_for=42)
    return {block: error.key for block, error in caught.value.errors.items()}


def test_an_untouched_form_is_an_assessment_with_its_prefilled_answers() -> None:
    parsed = parse_assess(values(), QUESTIONS, today=TODAY, rendered_for=42)

    assert parsed.account_id == 42
    assert parsed.call_date == date(2026, 11, 20)
    assert dict(parsed.answers) == {"po_engagement": 4, "open_opposition": None}
    assert parsed.touchpoint is None
    assert parsed.people == ()
    assert not parsed.renewal_given


def test_a_touchpoint_carries_kind_fit_and_effort() -> None:
    state = values(tp_kind=option("visit", "static_select"), tp_fit=option("under"), tp_effort=text("９０分"))

    touchpoint = parse_assess(state, QUESTIONS, today=TODAY, rendered_for=42).touchpoint

    assert touchpoint is not None
    assert (touchpoint.kind, touchpoint.fit, touchpoint.effort_minutes) == (
        TouchpointKind.VISIT,
        ExpectationFit.UNDER,
        90,
    )


def test_key_people_and_renewal_fields_are_read_when_present() -> None:
    state = values(
        **{
            "person_name:po:42": text(" 佐々木 "),
            "person_left:pl:42": {"type": "checkboxes", "selected_options": [{"value": "left"}]},
            "renewal:42": option("unlikely"),
        }
    )

    parsed = parse_assess(state, QUESTIONS, today=TODAY, rendered_for=42)

    assert set(parsed.people) == {
        PersonInput(role=KeyPersonRole.PO, name="佐々木"),
        PersonInput(role=KeyPersonRole.PL, left=True),
    }
    assert (parsed.renewal_given, parsed.renewal) == (True, RenewalForecast.UNLIKELY)


def test_renewal_left_unknown_clears_the_forecast() -> None:
    parsed = parse_assess(
        values(**{"renewal:42": option("_unknown")}), QUESTIONS, today=TODAY, rendered_for=42
    )

    assert (parsed.renewal_given, parsed.renewal) == (True, None)


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        (
            {"tp_date": {"type": "datepicker", "selected_date": "2026-11-24"}},
            {"tp_date": "form.error.future_date"},
        ),
        ({"tp_date": {"type": "datepicker", "selected_date": None}}, {"tp_date": "form.error.required"}),
        ({"tp_date": {"type": "datepicker", "selected_date": "11/20/2026"}}, {"tp_date": "form.error.date"}),
        ({"assess_account": option(None, "external_select")}, {"assess_account": "form.error.no_account"}),
        (
            {"assess_account": option("abc", "external_select")},
            {"assess_account": "form.error.unknown_account"},
        ),
        (
            {"assess_account": option("0", "external_select")},
            {"assess_account": "form.error.unknown_account"},
        ),
        ({"note": text("x" * 3001)}, {"note": "form.error.too_long"}),
        ({"tp_effort": text("abc")}, {"tp_effort": "form.error.not_a_number"}),
        ({"tp_effort": text("-5")}, {"tp_effort": "form.error.not_a_number"}),
        ({"tp_effort": text("1.5")}, {"tp_effort": "form.error.not_a_number"}),
        ({"tp_effort": text("2000")}, {"tp_effort": "form.error.number_range"}),
        ({"question:po_engagement:42": option("7")}, {"question:po_engagement:42": "form.error.choice"}),
        (
            {"question:retired_question:42": option("3")},
            {"question:retired_question:42": "form.error.unknown_question"},
        ),
        ({"person_name:champion:42": text("誰か")}, {"person_name:champion:42": "form.error.invalid"}),
        ({"person_name:po:42": text("長" * 256)}, {"person_name:po:42": "form.error.too_long"}),
        ({"tp_effort": {"type": "plain_text_input", "value": 5}}, {"tp_effort": "form.error.invalid"}),
    ],
    ids=[
        "future_date",
        "no_date",
        "not_iso_date",
        "no_account",
        "account_not_a_number",
        "account_zero",
        "long_note",
        "effort_words",
        "effort_negative",
        "effort_fraction",
        "effort_over_a_day",
        "answer_out_of_range",
        "unknown_question",
        "role_not_editable",
        "long_name",
        "element_state_not_slack_shaped",
    ],
)
def test_each_problem_is_reported_under_its_block(blocks: dict[str, Any], expected: dict[str, str]) -> None:
    assert errors_of(values(**blocks)) == expected


def test_every_problem_is_reported_at_once() -> None:
    state = values(
        assess_account=option(None, "external_select"),
        tp_date={"type": "datepicker", "selected_date": "2030-01-01"},
        note=text("x" * 4000),
        tp_effort=text("たくさん"),
    )

    assert errors_of(state) == {
        "assess_account": "form.error.no_account",
        "tp_date": "form.error.future_date",
        "note": "form.error.too_long",
        "tp_effort": "form.error.not_a_number",
    }


def test_fit_or_effort_without_a_kind_asks_for_the_kind() -> None:
    assert errors_of(values(tp_fit=option("fit"))) == {"tp_kind": "form.error.touchpoint_kind"}


@pytest.mark.parametrize("state", [None, [], "values", 42, {"a": 1}, {"a": {"b": "c"}}])
def test_a_state_that_is_not_slack_shaped_is_refused(state: object) -> None:
    assert errors_of(state)


def test_answers_round_trip_through_option_values() -> None:
    scale, yes_no, _ = _questions()
    assert [answer_value(scale, answer_option(scale, v)) for v in (1, 5)] == [1, 5]
    assert [answer_value(yes_no, answer_option(yes_no, v)) for v in (True, False)] == [True, False]
    assert answer_option(scale, True) == "_unknown"  # a bool is not a scale answer
    assert answer_option(scale, 9) == "_unknown"


def test_a_choice_answer_must_be_one_of_the_choices() -> None:
    _, _, choice = _questions()

    assert answer_value(choice, "company") == "company"
    assert answer_value(choice, "nonsense") is None
    assert answer_option(choice, "removed_choice") == "_unknown"


def _questions() -> tuple[Scale5Question, YesNoQuestion, ChoiceQuestion]:
    label = {"ja": "質問", "en": "Question"}
    choices = [
        {"id": "company", "label": label, "score": 75},
        {"id": "none_found", "label": label, "score": 0},
    ]
    return (
        Scale5Question(id="a", element="firewood", kind="scale5", label=label),
        YesNoQuestion(id="b", element="firewood", kind="yes_no", label=label, yes_score=0, no_score=100),
        ChoiceQuestion(id="c", element="ember", kind="choice", label=label, choices=choices),
    )


# --- the touchpoint modal ----------------------------------------------------------------------


def touchpoint_values(**blocks: dict[str, Any]) -> dict[str, Any]:
    base = {
        "touchpoint_account": {"account": option("42", "external_select")},
        "touchpoint_kind": {"kind": option("chat", "static_select")},
        "touchpoint_date": {"date": {"type": "datepicker", "selected_date": "2026-11-23"}},
        "touchpoint_fit": {"fit": option(None)},
        "touchpoint_effort": {"effort": text(None)},
        "touchpoint_note": {"note": text(None)},
    }
    for block_id, state in blocks.items():
        base[block_id] = {next(iter(base[block_id])): state}
    return base


def test_a_touchpoint_form_parses() -> None:
    parsed = parse_touchpoint(touchpoint_values(touchpoint_effort=text("15")), today=TODAY)

    assert (parsed.account_id, parsed.kind, parsed.day, parsed.effort_minutes) == (
        42,
        TouchpointKind.CHAT,
        TODAY,
        15,
    )


def test_a_touchpoint_needs_a_kind_and_no_future_date() -> None:
    state = touchpoint_values(
        touchpoint_kind=option(None, "static_select"),
        touchpoint_date={"type": "datepicker", "selected_date": "2026-12-01"},
    )

    with pytest.raises(InvalidFormError) as caught:
        parse_touchpoint(state, today=TODAY)

    assert {b: e.key for b, e in caught.value.errors.items()} == {
        "touchpoint_kind": "form.error.required",
        "touchpoint_date": "form.error.future_date",
    }


# --- metadata and other payloads ---------------------------------------------------------------


def test_metadata_round_trips_and_stays_small() -> None:
    metadata = AssessMetadata(locale="en", account_id=42, channel_id="C0CSSMB")

    encoded = metadata.encode()

    assert encoded == '{"locale":"en","account_id":42,"channel_id":"C0CSSMB"}'
    assert AssessMetadata.decode(encoded) == metadata


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "[]",
        '{"locale":"fr"}',
        '{"locale":"ja","account_id":0}',
        '{"locale":"ja","x":1}',
    ],
)
def test_metadata_that_is_not_ours_is_refused(raw: object) -> None:
    with pytest.raises(MetadataError):
        AssessMetadata.decode(raw)


def test_touchpoint_metadata_keeps_only_http_permalinks() -> None:
    with pytest.raises(MetadataError):
        TouchpointMetadata.decode('{"locale":"ja","permalink":"javascript:alert(1)"}')


def test_the_readers_language_is_read_from_our_metadata_only() -> None:
    assert locale_hint({"view": {"private_metadata": '{"locale":"en"}'}}) == "en"
    assert locale_hint({"view": {"private_metadata": "garbage"}}) is None
    assert locale_hint({"view": "not a view"}) is None
    assert locale_hint({"type": "block_actions"}) is None


def test_a_block_action_is_reduced_to_what_takibi_reads() -> None:
    action = parse_action(
        {
            "type": "block_actions",
            "user": {"id": "U0SATO", "name": "sato"},
            "trigger_id": "t",
            "channel": {"id": "C0CSSMB"},
            "actions": [{"action_id": "open_assess", "block_id": "status_actions", "value": "42"}],
        }
    )

    assert action is not None
    assert (action.user_id, action.channel_id, action.account_id()) == ("U0SATO", "C0CSSMB", 42)


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "4" * 30, "４２"])
def test_a_value_that_is_not_an_account_id_is_none(value: str) -> None:
    action = parse_action({"user": {"id": "U"}, "actions": [{"action_id": "x", "value": value}]})

    assert action is not None
    assert action.account_id() is None


def test_a_payload_without_actions_is_not_an_action() -> None:
    assert parse_action({"user": {"id": "U"}, "actions": []}) is None
    assert parse_action({"actions": [{"action_id": "x"}]}) is None


def test_a_message_shortcut_keeps_the_message_and_its_time() -> None:
    shortcut = parse_message_shortcut(
        {
            "type": "message_action",
            "user": {"id": "U0SATO"},
            "trigger_id": "t",
            "channel": {"id": "C0CSSMB"},
            "message": {"ts": "1700000000.000100", "text": "定例メモ"},
        }
    )

    assert shortcut is not None
    assert (shortcut.message.text, shortcut.posted_at) == ("定例メモ", 1700000000.0001)


@pytest.mark.parametrize("value", ["2147483648", "99999999999"])
def test_an_id_beyond_the_databases_integers_is_no_account(value: str) -> None:
    assert errors_of(values(assess_account=option(value, "external_select"))) == {
        "assess_account": "form.error.unknown_account"
    }
    action = parse_action({"user": {"id": "U"}, "actions": [{"action_id": "x", "value": value}]})
    assert action is not None
    assert action.account_id() is None
