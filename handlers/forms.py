"""Slack input parsed once into typed data before a listener acts on it.

Modal submissions arrive as ``view.state.values``, one entry per input block, keyed by block id and then
action id, shaped by the element type::

    {"assess_account": {"account": {"type": "external_select",
                                    "selected_option": {"text": {...}, "value": "42"}}},
     "question:po_engagement:42": {"answer": {"type": "radio_buttons",
                                              "selected_option": {"value": "4", ...}}},
     "tp_date": {"date": {"type": "datepicker", "selected_date": "2026-11-20"}},
     "tp_effort": {"effort": {"type": "plain_text_input", "value": "30"}},
     "person_left:po:42": {"left": {"type": "checkboxes", "selected_options": [{"value": "left"}]}},
     "note": {"note": {"type": "plain_text_input", "value": null}}}

An untouched optional input may be ``null`` or absent. Parsing never raises anything but
``InvalidFormError``, whose errors are keyed by the block id to show them on (Slack's
``response_action="errors"``) and carry catalog keys, so the listener renders them in the reader's
language. The model validators hold the rules (no call date in the future, a note of at most 3,000
characters, effort a whole number of minutes, answers valid for the question's kind).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from handlers.ids import Action, AssessBlock, TouchpointBlock, unscope
from scoring.config import ChoiceQuestion, Scale5Question, YesNoQuestion
from scoring.model import AnswerValue
from storage.enums import ExpectationFit, KeyPersonRole, RenewalForecast, TouchpointKind

NOTE_MAX_CHARS = 3000
EFFORT_MAX_MINUTES = 24 * 60
PERSON_NAME_MAX_CHARS = 255
UNKNOWN = "_unknown"
"""The option value of "未確認 / unknown" (ids in takibi.yml cannot start with ``_``)."""
LEFT = "left"
MAX_ROW_ID = 2**31 - 1
"""Row ids are 32-bit integers on PostgreSQL: a larger "id" from a forged payload is no account of ours
(and would make the database refuse the query rather than find nothing)."""
EDITABLE_ROLES: tuple[KeyPersonRole, ...] = (KeyPersonRole.PO, KeyPersonRole.PL)

Question = Scale5Question | YesNoQuestion | ChoiceQuestion


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


# --- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormError:
    """One problem to show under one block: a catalog key and its values."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


class InvalidFormError(Exception):
    """The submission cannot be used; ``errors`` maps block ids to what to say under each."""

    def __init__(self, errors: Mapping[str, FormError]) -> None:
        super().__init__(", ".join(f"{block}: {error.key}" for block, error in errors.items()))
        self.errors = dict(errors)


_PYDANTIC_KEYS: Mapping[str, str] = {
    "missing": "form.error.required",
    "int_parsing": "form.error.not_a_number",
    "int_type": "form.error.not_a_number",
    "int_from_float": "form.error.not_a_number",
    "date_from_datetime_parsing": "form.error.date",
    "date_parsing": "form.error.date",
    "date_type": "form.error.date",
    "enum": "form.error.choice",
    "literal_error": "form.error.choice",
    "string_too_long": "form.error.too_long",
    "greater_than_equal": "form.error.number_range",
    "less_than_equal": "form.error.number_range",
}


def _form_errors(exc: ValidationError, blocks: Mapping[str, str], fallback: str) -> dict[str, FormError]:
    """Pydantic's errors as block-keyed form errors (the first problem per block)."""
    errors: dict[str, FormError] = {}
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else ""
        block_id = str(blocks.get(name, fallback))
        if block_id in errors:
            continue
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind.startswith("form."):
            errors[block_id] = FormError(kind, dict(ctx))
        else:
            limits = [ctx[name] for name in ("max_length", "le", "ge") if name in ctx]
            params = {"limit": limits[0]} if limits else {}
            errors[block_id] = FormError(_PYDANTIC_KEYS.get(kind, "form.error.invalid"), params)
    return errors


# --- Slack's view state --------------------------------------------------------------------------


class _SelectedOption(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    value: str


class ElementState(BaseModel):
    """One input's state; which field is set depends on ``type``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str
    value: str | None = None
    selected_option: _SelectedOption | None = None
    selected_options: tuple[_SelectedOption, ...] | None = None
    selected_date: str | None = None


StateValues = dict[str, dict[str, ElementState]]
_STATE_VALUES: TypeAdapter[StateValues] = TypeAdapter(StateValues)
"""A well-formed state in one pass through pydantic-core (a call per element costs several times more)."""


class ViewState:
    """``view.state.values`` read defensively: a block whose state is not Slack-shaped is an error on
    that block, and a state that is not a mapping at all is an error on ``fallback_block``."""

    def __init__(self, raw: object, fallback_block: str) -> None:
        self.fallback_block = fallback_block
        self.blocks: dict[str, dict[str, ElementState]] = {}
        self.errors: dict[str, FormError] = {}
        if not isinstance(raw, Mapping):
            self.errors[fallback_block] = FormError("form.error.invalid")
            return
        try:
            self.blocks = _STATE_VALUES.validate_python(raw)
            return
        except ValidationError:
            pass  # block by block below, to tell which blocks are at fault
        for block_id, actions in raw.items():
            if not isinstance(block_id, str) or not isinstance(actions, Mapping):
                self.errors[fallback_block] = FormError("form.error.invalid")
                continue
            parsed: dict[str, ElementState] = {}
            for action_id, state in actions.items():
                try:
                    parsed[str(action_id)] = ElementState.model_validate(state)
                except ValidationError:
                    self.errors[block_id] = FormError("form.error.invalid")
            self.blocks[block_id] = parsed

    def element(self, block_id: str, action_id: str) -> ElementState | None:
        return self.blocks.get(block_id, {}).get(action_id)

    def selected(self, block_id: str, action_id: str) -> str | None:
        element = self.element(block_id, action_id)
        return element.selected_option.value if element and element.selected_option else None

    def text(self, block_id: str, action_id: str) -> str | None:
        element = self.element(block_id, action_id)
        return element.value if element else None

    def date(self, block_id: str, action_id: str) -> str | None:
        element = self.element(block_id, action_id)
        return element.selected_date if element else None

    def checked(self, block_id: str, action_id: str) -> frozenset[str]:
        element = self.element(block_id, action_id)
        return frozenset(o.value for o in element.selected_options or ()) if element else frozenset()

    def scoped(self, base: str) -> list[tuple[str, tuple[str, ...]]]:
        """``(block id, scope)`` of every block whose id is ``base`` followed by a scope."""
        found: list[tuple[str, tuple[str, ...]]] = []
        for block_id in self.blocks:
            name, scope = unscope(block_id)
            if name == base and scope:
                found.append((block_id, scope))
        return found


# --- field rules shared by both modals -----------------------------------------------------------


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _minutes(value: object) -> object:
    """``"30"``, ``"３０"``, ``"30分"``, ``"30 min"`` → 30; anything else is not a number of minutes."""
    if not isinstance(value, str) or not value.strip():
        return None
    folded = unicodedata.normalize("NFKC", value).strip().lower()
    for suffix in ("minutes", "mins", "min", "分"):
        folded = folded.removesuffix(suffix).strip()
    if not folded.isdecimal() or not folded.isascii():
        raise PydanticCustomError("form.error.not_a_number", "not a whole number of minutes")
    return int(folded)


def _not_in_future(value: date, info: ValidationInfo) -> date:
    today = (info.context or {}).get("today")
    if isinstance(today, date) and value > today:
        raise PydanticCustomError("form.error.future_date", "the date is in the future")
    return value


Note = Annotated[
    Annotated[str, StringConstraints(max_length=NOTE_MAX_CHARS)] | None, BeforeValidator(_blank_to_none)
]
Effort = Annotated[Annotated[int, Field(ge=0, le=EFFORT_MAX_MINUTES)] | None, BeforeValidator(_minutes)]


def _account_id(value: object) -> int:
    """The picker's option value is the account id as text; anything else is not one of ours."""
    if value is None:
        raise PydanticCustomError("form.error.no_account", "no account picked")
    if not isinstance(value, str) or not (value.isdecimal() and value.isascii()) or len(value) > 18:
        raise PydanticCustomError("form.error.unknown_account", "not an account of ours")
    number = int(value)
    if not 1 <= number <= MAX_ROW_ID:
        raise PydanticCustomError("form.error.unknown_account", "not an account of ours")
    return number


def _iso_date(value: object) -> object:
    """Slack's datepicker sends ``YYYY-MM-DD``; nothing else (timestamps, other formats) is a date."""
    if value is None:
        raise PydanticCustomError("form.error.required", "no date")
    if not isinstance(value, str) or len(value) != 10:
        raise PydanticCustomError("form.error.date", "not a date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("form.error.date", "not a date") from None


AccountId = Annotated[int, BeforeValidator(_account_id)]
Day = Annotated[date, BeforeValidator(_iso_date)]


# --- the assess modal ----------------------------------------------------------------------------


class TouchpointInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TouchpointKind
    fit: ExpectationFit | None = None
    effort_minutes: int | None = None


class PersonInput(BaseModel):
    """What the form says about one seat: the name now in the field, and whether "left" was ticked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: KeyPersonRole
    name: str | None = Field(default=None, max_length=PERSON_NAME_MAX_CHARS)
    left: bool = False


class AssessSubmission(BaseModel):
    """A whole assess modal, validated. ``people`` and ``renewal_given`` are empty/false when the
    fields were not in the form (nobody picked, or the reader may not change them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: AccountId
    call_date: Day
    answers: Mapping[str, AnswerValue] = Field(default_factory=dict)
    touchpoint: TouchpointInput | None = None
    effort_minutes: Effort = None
    fit: ExpectationFit | None = None
    people: tuple[PersonInput, ...] = ()
    renewal_given: bool = False
    renewal: RenewalForecast | None = None
    note: Note = None
    rendered_for: int | None = None
    """The account whose values the form showed (from ``private_metadata``)."""

    _future = field_validator("call_date")(_not_in_future)


def parse_assess(
    values: object, questions: Sequence[Question], *, today: date, rendered_for: int | None
) -> AssessSubmission:
    """``view.state.values`` of the assess modal → ``AssessSubmission``, or ``InvalidFormError``."""
    state = ViewState(values, AssessBlock.ACCOUNT)
    errors = dict(state.errors)
    blocks: dict[str, str] = {
        "account_id": AssessBlock.ACCOUNT,
        "call_date": AssessBlock.TOUCHPOINT_DATE,
        "effort_minutes": AssessBlock.TOUCHPOINT_EFFORT,
        "fit": AssessBlock.TOUCHPOINT_FIT,
        "note": AssessBlock.NOTE,
        "touchpoint": AssessBlock.TOUCHPOINT_KIND,
    }
    answers = _answers(state, questions, errors)
    people, people_blocks = _people(state, errors)
    renewal_blocks = state.scoped(AssessBlock.RENEWAL)
    raw_renewal = state.selected(renewal_blocks[0][0], Action.RENEWAL) if renewal_blocks else None
    if renewal_blocks:
        blocks["renewal"] = renewal_blocks[0][0]
    kind = state.selected(AssessBlock.TOUCHPOINT_KIND, Action.TOUCHPOINT_KIND)
    fit = state.selected(AssessBlock.TOUCHPOINT_FIT, Action.TOUCHPOINT_FIT)
    effort = state.text(AssessBlock.TOUCHPOINT_EFFORT, Action.TOUCHPOINT_EFFORT)
    raw: dict[str, Any] = {
        "account_id": state.selected(AssessBlock.ACCOUNT, Action.ACCOUNT),
        "call_date": state.date(AssessBlock.TOUCHPOINT_DATE, Action.TOUCHPOINT_DATE),
        "answers": answers,
        "effort_minutes": effort,
        "fit": fit,
        "people": people,
        "renewal_given": bool(renewal_blocks),
        "renewal": None if raw_renewal in (None, UNKNOWN) else raw_renewal,
        "note": state.text(AssessBlock.NOTE, Action.NOTE),
        "rendered_for": rendered_for,
    }
    try:
        parsed = AssessSubmission.model_validate(raw, context={"today": today})
    except ValidationError as exc:
        for block_id, error in _form_errors(exc, blocks | people_blocks, AssessBlock.ACCOUNT).items():
            errors.setdefault(block_id, error)
        raise InvalidFormError(errors) from None
    if errors:
        raise InvalidFormError(errors)
    if kind is None:
        if fit is not None or parsed.effort_minutes is not None:
            raise InvalidFormError({AssessBlock.TOUCHPOINT_KIND: FormError("form.error.touchpoint_kind")})
        return parsed
    if kind not in {k.value for k in TouchpointKind}:
        raise InvalidFormError({AssessBlock.TOUCHPOINT_KIND: FormError("form.error.choice")})
    touchpoint = TouchpointInput(
        kind=TouchpointKind(kind), fit=parsed.fit, effort_minutes=parsed.effort_minutes
    )
    return parsed.model_copy(update={"touchpoint": touchpoint})


def _answers(
    state: ViewState, questions: Sequence[Question], errors: dict[str, FormError]
) -> dict[str, AnswerValue]:
    """Each question block's choice as the value scoring reads; answers are validated against the
    question's kind in the current configuration, and a block for a question it does not have is
    refused (the form was built from another configuration)."""
    by_id = {question.id: question for question in questions}
    answers: dict[str, AnswerValue] = {}
    for block_id, scope in state.scoped(AssessBlock.QUESTION):
        question = by_id.get(scope[0])
        raw = state.selected(block_id, Action.ANSWER)
        if question is None:
            errors[block_id] = FormError("form.error.unknown_question")
            continue
        if raw is None or raw == UNKNOWN:
            answers[question.id] = None
            continue
        value = answer_value(question, raw)
        if value is None:
            errors[block_id] = FormError("form.error.choice")
        else:
            answers[question.id] = value
    return answers


def answer_value(question: Question, raw: str) -> AnswerValue:
    """An option value as the answer scoring reads (1–5, True/False, a choice id); ``None`` if invalid."""
    if isinstance(question, Scale5Question):
        return int(raw) if raw in {"1", "2", "3", "4", "5"} else None
    if isinstance(question, YesNoQuestion):
        return {"yes": True, "no": False}.get(raw)
    return raw if any(choice.id == raw for choice in question.choices) else None


def answer_option(question: Question, value: AnswerValue) -> str:
    """The option value that shows ``value`` (the inverse of ``answer_value``); unknown if invalid."""
    if value is None:
        return UNKNOWN
    if isinstance(question, Scale5Question):
        valid = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
        return str(value) if valid else UNKNOWN
    if isinstance(question, YesNoQuestion):
        return ("yes" if value else "no") if isinstance(value, bool) else UNKNOWN
    valid_choice = isinstance(value, str) and any(choice.id == value for choice in question.choices)
    return str(value) if valid_choice else UNKNOWN


def _people(state: ViewState, errors: dict[str, FormError]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Key-people fields (``person_name:<role>:<account>`` / ``person_left:<role>:<account>``)."""
    by_role: dict[str, dict[str, Any]] = {}
    blocks: dict[str, str] = {}
    for base in (AssessBlock.PERSON_NAME, AssessBlock.PERSON_LEFT):
        for block_id, scope in state.scoped(base):
            role = scope[0]
            if role not in {r.value for r in EDITABLE_ROLES}:
                errors[block_id] = FormError("form.error.invalid")
                continue
            entry = by_role.setdefault(role, {"role": role})
            blocks.setdefault("people", block_id)
            if base == AssessBlock.PERSON_NAME:
                name = state.text(block_id, Action.PERSON_NAME)
                entry["name"] = name.strip() if name and name.strip() else None
                if name and len(name.strip()) > PERSON_NAME_MAX_CHARS:
                    errors[block_id] = FormError("form.error.too_long", {"limit": PERSON_NAME_MAX_CHARS})
            else:
                entry["left"] = LEFT in state.checked(block_id, Action.PERSON_LEFT)
    return list(by_role.values()), blocks


# --- the touchpoint modal ------------------------------------------------------------------------


class TouchpointSubmission(BaseModel):
    """The touchpoint modal (message shortcut or status button), validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: AccountId
    kind: TouchpointKind
    day: Day
    fit: ExpectationFit | None = None
    effort_minutes: Effort = None
    note: Note = None

    _future = field_validator("day")(_not_in_future)


def parse_touchpoint(values: object, *, today: date) -> TouchpointSubmission:
    """``view.state.values`` of the touchpoint modal → ``TouchpointSubmission``, or ``InvalidFormError``."""
    state = ViewState(values, TouchpointBlock.ACCOUNT)
    blocks = {
        "account_id": TouchpointBlock.ACCOUNT,
        "kind": TouchpointBlock.KIND,
        "day": TouchpointBlock.DATE,
        "fit": TouchpointBlock.FIT,
        "effort_minutes": TouchpointBlock.EFFORT,
        "note": TouchpointBlock.NOTE,
    }
    raw = {
        "account_id": state.selected(TouchpointBlock.ACCOUNT, Action.ACCOUNT),
        "kind": state.selected(TouchpointBlock.KIND, Action.TOUCHPOINT_KIND),
        "day": state.date(TouchpointBlock.DATE, Action.TOUCHPOINT_DATE),
        "fit": state.selected(TouchpointBlock.FIT, Action.TOUCHPOINT_FIT),
        "effort_minutes": state.text(TouchpointBlock.EFFORT, Action.TOUCHPOINT_EFFORT),
        "note": state.text(TouchpointBlock.NOTE, Action.NOTE),
    }
    if raw["kind"] is None:
        del raw["kind"]  # nothing picked: "required", not "not one of the choices"
    try:
        parsed = TouchpointSubmission.model_validate(raw, context={"today": today})
    except ValidationError as exc:
        errors = dict(state.errors)
        for block_id, error in _form_errors(exc, blocks, TouchpointBlock.ACCOUNT).items():
            errors.setdefault(block_id, error)
        raise InvalidFormError(errors) from None
    if state.errors:
        raise InvalidFormError(state.errors)
    return parsed


# --- block actions -------------------------------------------------------------------------------


class _ActionUser(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str


class _ActionView(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    hash: str | None = None
    callback_id: str = ""
    private_metadata: str = ""


class _Action(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    action_id: str
    block_id: str | None = None
    value: str | None = None
    selected_option: _SelectedOption | None = None


class _ActionChannel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str


class _ActionContainer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    channel_id: str | None = None


class ActionInput(BaseModel):
    """A click or pick (``block_actions``), reduced to what takibi reads::

        {"type": "block_actions", "user": {"id": "U…"}, "trigger_id": "…",
         "view": {"id": "V…", "hash": "…", "callback_id": "assess", "private_metadata": "{…}"},
         "channel": {"id": "C…"}, "response_url": "https://…",
         "actions": [{"action_id": "account", "block_id": "assess_account",
                      "selected_option": {"value": "42"}} | {"action_id": "open_assess", "value": "42"}]}

    ``view`` is set for modals and the Home tab; ``channel``/``response_url`` for messages.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    user: _ActionUser
    trigger_id: str | None = None
    view: _ActionView | None = None
    channel: _ActionChannel | None = None
    container: _ActionContainer | None = None
    response_url: str | None = None
    actions: tuple[_Action, ...] = Field(min_length=1)

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def action(self) -> _Action:
        return self.actions[0]

    @property
    def channel_id(self) -> str | None:
        if self.channel is not None:
            return self.channel.id
        return self.container.channel_id if self.container is not None else None

    @property
    def chosen(self) -> str | None:
        """The picked option's value, or the button's value."""
        action = self.action
        return action.selected_option.value if action.selected_option is not None else action.value

    def account_id(self) -> int | None:
        """``chosen`` as an account id, when it is one."""
        chosen = self.chosen
        if chosen is None or not chosen.isdecimal() or not chosen.isascii() or len(chosen) > 18:
            return None
        number = int(chosen)
        return number if 1 <= number <= MAX_ROW_ID else None


def parse_action(body: object) -> ActionInput | None:
    """``None`` when the payload is not a block action shaped as Slack sends one."""
    try:
        return ActionInput.model_validate(body)
    except ValidationError:
        return None


class _ShortcutMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ts: str
    text: str = ""


class MessageShortcutInput(BaseModel):
    """A message shortcut (``message_action``), reduced to what takibi reads::

    {"type": "message_action", "callback_id": "log_touchpoint", "trigger_id": "…",
     "user": {"id": "U…"}, "channel": {"id": "C…"}, "message_ts": "1732345678.000100",
     "message": {"type": "message", "user": "U…", "text": "…", "ts": "1732345678.000100"}}
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    user: _ActionUser
    trigger_id: str
    channel: _ActionChannel
    message: _ShortcutMessage

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def posted_at(self) -> float | None:
        """The message's time as seconds since the epoch (its ``ts``), if it is one."""
        try:
            return float(self.message.ts)
        except ValueError:
            return None


def parse_message_shortcut(body: object) -> MessageShortcutInput | None:
    try:
        return MessageShortcutInput.model_validate(body)
    except ValidationError:
        return None
