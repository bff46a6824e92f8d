"""The assess modal (``/takibi assess``) and the confirmation the CSM gets once it is stored.

The modal, top to bottom: the account picker (type-ahead, dispatches on pick so the modal refills with
that account's values), the questions of ``takibi.yml`` grouped by element, each pre-filled with the
account's last answer and its age and each with "未確認 / unknown"; the touchpoint of this call; key
people (editable by the owner and admins, read-only for others); the renewal forecast; a note.

It is built on every ``/takibi assess``, so the blocks that repeat between accounts (the questions with a
given answer and hint, the headers, the touchpoint, the renewal, the note) come from ``ASSESS_BLOCKS``,
validated once; the blocks that carry an account's own text are built each time.
"""

from __future__ import annotations

from functools import partial

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.context import Translate
from handlers.forms import EDITABLE_ROLES, LEFT, UNKNOWN, Question, answer_option
from handlers.ids import Action, AssessBlock, Callback, scoped
from handlers.services.assess import AccountBrief, AssessForm, AssessOutcome, CtaChanges, PreviousAnswer
from handlers.views import Message
from handlers.views.common import (
    HEADER_LIMIT,
    OPTION_TEXT_LIMIT,
    TITLE_LIMIT,
    BlockCache,
    Identity,
    RuleLabel,
    age_text,
    escape,
    grade_badge,
    truncate,
)
from handlers.views.picker import account_option
from scoring.config import ChoiceQuestion, Scale5Question, TakibiConfig, YesNoQuestion
from scoring.freshness import is_fresh
from scoring.grades import GradeScale
from scoring.model import Element, HealthResult
from storage.enums import ExpectationFit, KeyPersonRole, RenewalForecast, TouchpointKind

ELEMENT_ICONS = {Element.FIREWOOD: "🪵", Element.EMBER: "✨", Element.WIND: "🌬️", Element.FIRE: "🏕️"}
HINT_LIMIT = 2000
LABEL_LIMIT = 2000
ASSESS_BLOCKS = BlockCache(maxsize=4096)
"""Keys start with the block's kind and the locale (catalogs are loaded once per process); blocks from
``takibi.yml`` add the ``Identity`` of the configuration."""


def assess_modal(t: Translate, config: TakibiConfig, form: AssessForm, private_metadata: str) -> View:
    account = form.account
    scope = account.id if account is not None else "none"
    blocks: list[Block] = [_account_picker(t, form), _account_info(t, form)]
    for element in (Element.FIREWOOD, Element.EMBER):
        questions = [q for q in config.questions if q.element == element]
        if not questions:
            continue
        blocks.append(
            ASSESS_BLOCKS.block(
                ("element", t.locale, Identity(config), element),
                partial(_element_header, t, config, element),
            )
        )
        blocks.extend(
            _question(t, config, q, form, max_age_days=config.assessment_max_age_days, scope=scope)
            for q in questions
        )
    if not config.questions:
        blocks.append(
            SectionBlock(
                block_id=AssessBlock.QUESTIONS_EMPTY, text=MarkdownTextObject(text=t("assess.no_questions"))
            )
        )
    blocks.extend(_touchpoint(t, form))
    blocks.extend(_people(t, form))
    blocks.append(ASSESS_BLOCKS.block(("note", t.locale), lambda: _note(t)))
    return View(
        type="modal",
        callback_id=Callback.ASSESS,
        title=PlainTextObject(text=truncate(t("assess.title"), TITLE_LIMIT)),
        submit=PlainTextObject(text=t("assess.submit")),
        close=PlainTextObject(text=t("modal.cancel")),
        blocks=blocks,
        private_metadata=private_metadata,
    )


def _account_picker(t: Translate, form: AssessForm) -> InputBlock:
    initial = account_option(form.account.option(form.reader)) if form.account is not None else None
    return InputBlock(
        block_id=AssessBlock.ACCOUNT,
        label=PlainTextObject(text=t("picker.label")),
        element=ExternalDataSelectElement(
            action_id=Action.ACCOUNT,
            placeholder=PlainTextObject(text=t("picker.placeholder")),
            initial_option=initial,
            min_query_length=0,
        ),
        dispatch_action=True,
    )


def _account_info(t: Translate, form: AssessForm) -> Block:
    """Cached by its text: segment and owner, which many accounts share."""
    account = form.account
    if account is None:
        text = t("assess.pick_first")
    else:
        owner = f"<@{account.owner_slack_id}>" if account.owner_slack_id else t("account.no_owner")
        text = t("assess.account_info", segment=escape(account.segment), owner=owner)
    return ASSESS_BLOCKS.block(
        ("account_info", text),
        lambda: ContextBlock(block_id=AssessBlock.ACCOUNT_INFO, elements=[MarkdownTextObject(text=text)]),
    )


def _element_header(t: Translate, config: TakibiConfig, element: Element) -> HeaderBlock:
    label = config.elements.get(element).label.localized(t.locale)
    return HeaderBlock(
        block_id=scoped(AssessBlock.ELEMENT, element.value),
        text=PlainTextObject(text=truncate(f"{ELEMENT_ICONS[element]} {label}", HEADER_LIMIT)),
    )


def _question(
    t: Translate,
    config: TakibiConfig,
    question: Question,
    form: AssessForm,
    *,
    max_age_days: int,
    scope: object,
) -> Block:
    """A question differs between accounts by its ``block_id``, its initial option and its hint (the age
    of the last answer), so it is cached by the latter two."""
    previous = form.previous.get(question.id)
    chosen = answer_option(question, previous.value) if previous is not None else UNKNOWN
    hint = truncate(_hint(t, question, previous, form, max_age_days), HINT_LIMIT)
    block_id = scoped(AssessBlock.QUESTION, question.id, scope)

    def build() -> InputBlock:
        options = _answer_options(t, question)
        initial = next(option for option in options if option.value == chosen)
        return InputBlock(
            block_id=block_id,
            label=PlainTextObject(text=truncate(question.label.localized(t.locale), LABEL_LIMIT)),
            element=RadioButtonsElement(action_id=Action.ANSWER, options=options, initial_option=initial),
            hint=PlainTextObject(text=hint),
            optional=True,
        )

    key = ("question", t.locale, Identity(config), question.id, chosen, hint)
    return ASSESS_BLOCKS.block(key, build, block_id=block_id)


def _answer_options(t: Translate, question: Question) -> list[Option]:
    if isinstance(question, Scale5Question):
        pairs = [(str(n), t(f"assess.scale.{n}")) for n in range(1, 6)]
    elif isinstance(question, YesNoQuestion):
        pairs = [("yes", t("assess.yes")), ("no", t("assess.no"))]
    elif isinstance(question, ChoiceQuestion):
        pairs = [(c.id, c.label.localized(t.locale)) for c in question.choices]
    pairs.append((UNKNOWN, t("assess.unknown")))
    return [
        Option(value=value, text=PlainTextObject(text=truncate(text, OPTION_TEXT_LIMIT)))
        for value, text in pairs
    ]


def _hint(
    t: Translate, question: Question, previous: PreviousAnswer | None, form: AssessForm, max_age_days: int
) -> str:
    if form.account is None:
        last = ""
    elif previous is None:
        last = t("assess.previous.none")
    else:
        age = age_text(t, previous.answered_on, form.today)
        key = (
            "assess.previous.answer"
            if is_fresh(previous.answered_on, form.today, max_age_days)
            else "assess.previous.stale"
        )
        last = t(key, age=age)
    help_text = question.help.localized(t.locale) if question.help is not None else ""
    return " — ".join(part for part in (last, help_text) if part) or t("assess.unknown_is_fine")


def _touchpoint(t: Translate, form: AssessForm) -> list[Block]:
    """The same for every account: by locale, and the day for the date picker's initial date."""
    locale = t.locale
    return [
        ASSESS_BLOCKS.block(("touchpoint_header", locale), lambda: _touchpoint_header(t)),
        ASSESS_BLOCKS.block(("touchpoint_kind", locale), lambda: _touchpoint_kind(t)),
        ASSESS_BLOCKS.block(("touchpoint_date", locale, form.today), lambda: _touchpoint_date(t, form)),
        ASSESS_BLOCKS.block(("touchpoint_fit", locale), lambda: _touchpoint_fit(t)),
        ASSESS_BLOCKS.block(("touchpoint_effort", locale), lambda: _touchpoint_effort(t)),
    ]


def _touchpoint_header(t: Translate) -> HeaderBlock:
    return HeaderBlock(
        block_id=AssessBlock.TOUCHPOINT, text=PlainTextObject(text=t("assess.touchpoint.header"))
    )


def _touchpoint_kind(t: Translate) -> InputBlock:
    return InputBlock(
        block_id=AssessBlock.TOUCHPOINT_KIND,
        label=PlainTextObject(text=t("touchpoint.kind.label")),
        element=StaticSelectElement(
            action_id=Action.TOUCHPOINT_KIND,
            placeholder=PlainTextObject(text=t("touchpoint.kind.placeholder")),
            options=kind_options(t),
        ),
        hint=PlainTextObject(text=t("assess.touchpoint.kind_hint")),
        optional=True,
    )


def _touchpoint_date(t: Translate, form: AssessForm) -> InputBlock:
    return InputBlock(
        block_id=AssessBlock.TOUCHPOINT_DATE,
        label=PlainTextObject(text=t("assess.touchpoint.date")),
        element=DatePickerElement(action_id=Action.TOUCHPOINT_DATE, initial_date=form.today.isoformat()),
    )


def _touchpoint_fit(t: Translate) -> InputBlock:
    return InputBlock(
        block_id=AssessBlock.TOUCHPOINT_FIT,
        label=PlainTextObject(text=t("touchpoint.fit.label")),
        element=RadioButtonsElement(action_id=Action.TOUCHPOINT_FIT, options=fit_options(t)),
        optional=True,
    )


def _touchpoint_effort(t: Translate) -> InputBlock:
    return InputBlock(
        block_id=AssessBlock.TOUCHPOINT_EFFORT,
        label=PlainTextObject(text=t("touchpoint.effort.label")),
        element=PlainTextInputElement(
            action_id=Action.TOUCHPOINT_EFFORT, placeholder=PlainTextObject(text="30")
        ),
        optional=True,
    )


def _note(t: Translate) -> InputBlock:
    return InputBlock(
        block_id=AssessBlock.NOTE,
        label=PlainTextObject(text=t("assess.note.label")),
        element=PlainTextInputElement(
            action_id=Action.NOTE,
            multiline=True,
            placeholder=PlainTextObject(text=t("assess.note.placeholder")),
        ),
        hint=PlainTextObject(text=t("assess.note.hint")),
        optional=True,
    )


def fit_options(t: Translate) -> list[Option]:
    return [
        Option(value=fit.value, text=PlainTextObject(text=t(f"touchpoint.fit.{fit.value}")))
        for fit in (ExpectationFit.OVER, ExpectationFit.FIT, ExpectationFit.UNDER)
    ]


def kind_options(t: Translate) -> list[Option]:
    return [
        Option(value=kind.value, text=PlainTextObject(text=t(f"touchpoint.kind.{kind.value}")))
        for kind in TouchpointKind
    ]


def _people(t: Translate, form: AssessForm) -> list[Block]:
    account = form.account
    blocks: list[Block] = [
        ASSESS_BLOCKS.block(("divider",), DividerBlock),
        ASSESS_BLOCKS.block(
            ("people_header", t.locale),
            lambda: HeaderBlock(
                block_id=AssessBlock.PEOPLE, text=PlainTextObject(text=t("assess.people.header"))
            ),
        ),
    ]
    if account is None:
        blocks.append(
            ContextBlock(
                block_id=AssessBlock.PEOPLE_INFO, elements=[MarkdownTextObject(text=t("assess.pick_first"))]
            )
        )
        return blocks
    if not form.may_change_people:
        lines = [
            t("assess.people.current", role=t(f"role.{role.value}"), name=_holder(t, form, role))
            for role in EDITABLE_ROLES
        ]
        lines.append(t("assess.renewal.current", forecast=renewal_label(t, account.renewal_forecast)))
        lines.append(t("access.owner_only"))
        blocks.append(
            ContextBlock(
                block_id=scoped(AssessBlock.PEOPLE_INFO, account.id),
                elements=[MarkdownTextObject(text="\n".join(lines))],
            )
        )
        return blocks
    for role in EDITABLE_ROLES:
        holder = form.people.get(role)
        blocks.append(
            InputBlock(
                block_id=scoped(AssessBlock.PERSON_NAME, role.value, account.id),
                label=PlainTextObject(text=t(f"role.{role.value}")),
                element=PlainTextInputElement(
                    action_id=Action.PERSON_NAME,
                    initial_value=holder.name if holder is not None else None,
                    placeholder=PlainTextObject(text=t("assess.people.placeholder")),
                    max_length=255,
                ),
                hint=PlainTextObject(text=t("assess.people.hint")),
                optional=True,
            )
        )
        if holder is not None:
            left_text = truncate(t("assess.people.left", name=holder.name), OPTION_TEXT_LIMIT)
            blocks.append(
                InputBlock(
                    block_id=scoped(AssessBlock.PERSON_LEFT, role.value, account.id),
                    label=PlainTextObject(text=t("assess.people.left_label", role=t(f"role.{role.value}"))),
                    element=CheckboxesElement(
                        action_id=Action.PERSON_LEFT,
                        options=[Option(value=LEFT, text=PlainTextObject(text=left_text))],
                    ),
                    optional=True,
                )
            )
    blocks.append(_renewal(t, account))
    return blocks


def _holder(t: Translate, form: AssessForm, role: KeyPersonRole) -> str:
    holder = form.people.get(role)
    return escape(holder.name) if holder is not None else t("assess.people.nobody")


def _renewal(t: Translate, account: AccountBrief) -> Block:
    chosen = account.renewal_forecast.value if account.renewal_forecast is not None else UNKNOWN
    block_id = scoped(AssessBlock.RENEWAL, account.id)

    def build() -> InputBlock:
        options = [
            Option(value=forecast.value, text=PlainTextObject(text=t(f"renewal.{forecast.value}")))
            for forecast in RenewalForecast
        ]
        options.append(Option(value=UNKNOWN, text=PlainTextObject(text=t("assess.unknown"))))
        return InputBlock(
            block_id=block_id,
            label=PlainTextObject(text=t("renewal.label")),
            element=RadioButtonsElement(
                action_id=Action.RENEWAL,
                options=options,
                initial_option=next(option for option in options if option.value == chosen),
            ),
            optional=True,
        )

    return ASSESS_BLOCKS.block(("renewal", t.locale, chosen), build, block_id=block_id)


def renewal_label(t: Translate, forecast: RenewalForecast | None) -> str:
    return t(f"renewal.{forecast.value}") if forecast is not None else t("assess.unknown")


# --- after submission ------------------------------------------------------------------------------


def assess_saved(t: Translate, scale: GradeScale, outcome: AssessOutcome, rule: RuleLabel) -> Message:
    """The confirmation: the new grade, the change, key-people changes, and CTAs opened or cleared."""
    lines = score_lines(
        t, scale, outcome.score.result, grade_before=outcome.grade_before, had_score=outcome.had_score
    )
    for change in outcome.people:
        role = t(f"role.{change.role.value}")
        if change.joined and change.left:
            params = {"role": role, "left": escape(change.left), "joined": escape(change.joined)}
            lines.append(t("assess.saved.person_replaced", **params))
        elif change.joined:
            lines.append(t("assess.saved.person_joined", role=role, joined=escape(change.joined)))
        elif change.left:
            lines.append(t("assess.saved.person_left", role=role, left=escape(change.left)))
    lines.extend(cta_lines(t, outcome.ctas, rule))
    badge = grade_badge(t, scale, outcome.score.result.grade)
    return Message(
        text=t("assess.saved.text", account=outcome.account.name, grade=badge),
        blocks=[
            SectionBlock(
                block_id=AssessBlock.SAVED,
                text=MarkdownTextObject(text=t("assess.saved.title", account=escape(outcome.account.name))),
            ),
            SectionBlock(block_id=AssessBlock.SAVED_DETAIL, text=MarkdownTextObject(text="\n".join(lines))),
        ],
    )


def score_lines(
    t: Translate, scale: GradeScale, result: HealthResult, *, grade_before: int | None, had_score: bool
) -> list[str]:
    """The new grade (with the one before when it changed) and the confidence."""
    badge = grade_badge(t, scale, result.grade)
    if not had_score or grade_before == result.grade:
        grade_line = t("assess.saved.grade", grade=badge)
    else:
        grade_line = t("assess.saved.grade_changed", grade=badge, before=grade_badge(t, scale, grade_before))
    return [grade_line, t("assess.saved.confidence", confidence=result.confidence)]


def cta_lines(t: Translate, ctas: CtaChanges, rule: RuleLabel) -> list[str]:
    opened = [t("assess.saved.cta_opened", rule=escape(rule(c.rule_id)), due=c.due_on) for c in ctas.opened]
    cleared = [t("assess.saved.cta_cleared", rule=escape(rule(c.rule_id))) for c in ctas.cleared]
    return opened + cleared
