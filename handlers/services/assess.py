"""Assessing an account from Slack: what the modal shows, and storing what the CSM sent.

``submit`` is one unit of work: the assessment (answers checked against the configuration, stamped
with its version), the touchpoint of the call linked to it, key-people changes, the renewal forecast on
the account, an audit-log row, the account re-scored at once and its CTAs re-evaluated; the caller's
unit of work commits all of it or none. Telling the CSM happens after the commit, so a failing Slack
never loses what was stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, tzinfo

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from handlers.forms import (
    EDITABLE_ROLES,
    AssessSubmission,
    FormError,
    InvalidFormError,
    PersonInput,
    TouchpointSubmission,
)
from handlers.ids import AssessBlock, TouchpointBlock, scoped
from handlers.services.access import AccessPolicy
from handlers.services.ctas import CtaEngine, CtaNotifier, evaluate_ctas
from handlers.services.picker import AccountOption
from handlers.services.scoring import AccountScore, rescore_account
from scoring.compiled import CompiledConfig
from scoring.model import AnswerValue
from storage.enums import KeyPersonRole
from storage.models import Account, Cta, CtaEvent, KeyPerson
from storage.repositories import accounts, assessments, key_people, snapshots, surface, touchpoints


@dataclass(frozen=True, slots=True)
class PreviousAnswer:
    value: AnswerValue
    answered_on: date


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    role: KeyPersonRole
    name: str
    since: date | None


@dataclass(frozen=True, slots=True)
class AccountBrief(accounts.AccountHeader):
    """The account as the modal's header and the confirmation show it: its header columns, read
    straight (``accounts.candidates``) or off a loaded entity (``of``)."""

    @classmethod
    def of(cls, account: Account | accounts.AccountHeader) -> AccountBrief:
        return cls(**{part.name: getattr(account, part.name) for part in fields(cls)})

    def option(self, reader: str) -> AccountOption:
        return AccountOption(self.id, self.name, self.segment, self.owner_slack_id == reader)


@dataclass(frozen=True, slots=True)
class AssessForm:
    """Everything the assess modal shows for one account (``account`` is ``None`` until picked)."""

    today: date
    reader: str
    account: AccountBrief | None = None
    previous: Mapping[str, PreviousAnswer] = field(default_factory=dict)
    people: Mapping[KeyPersonRole, Person] = field(default_factory=dict)
    may_change_people: bool = False


COMMAND_MATCHES = 20
"""How many accounts a typed name is looked up among (the reader's first) before it counts as ambiguous."""


def command_account(connection: Connection, argument: str, *, reader: str) -> AccountBrief | None:
    """The account ``/takibi assess <argument>`` names, when it names exactly one: the only match, or
    the only one whose name (reading, alias, CRM id) is exactly the argument. Reads only; runs on the
    read-only connection the modal is built on."""
    if not argument.strip():
        return None
    found = accounts.candidates(connection, argument, prefer_owner=reader, limit=COMMAND_MATCHES)
    if len(found) == 1:
        return AccountBrief.of(found[0].header)
    exact = surface.exactly_named(argument, found)
    return AccountBrief.of(exact[0].header) if len(exact) == 1 else None


def load_form(
    connection: Connection,
    account_id: int | None,
    *,
    reader: str,
    access: AccessPolicy,
    today: date,
    question_ids: Sequence[str],
) -> AssessForm:
    """The modal's content for ``account_id`` (or an empty form when ``None`` or not active).

    Reads only, a few columns per statement, on a connection without a transaction
    (``Database.read_only``): the modal is built for every command and refill, after the ack but on a
    listener thread that the next ack waits for."""
    account = surface.active_header(connection, account_id) if account_id is not None else None
    if account is None:
        return AssessForm(today=today, reader=reader)
    latest = assessments.latest_answers_of(connection, account.id, question_ids=question_ids)
    people: dict[KeyPersonRole, Person] = {}
    for seat in key_people.seats(connection, account.id, today=today):
        if seat.role in EDITABLE_ROLES and seat.role not in people:
            people[seat.role] = Person(seat.id, seat.role, seat.name, seat.since)
    return AssessForm(
        today=today,
        reader=reader,
        account=AccountBrief.of(account),
        previous={a.question_id: PreviousAnswer(a.value, a.answered_on) for a in latest},
        people=people,
        may_change_people=access.may_change_key_people(reader, account.owner_slack_id),
    )


def check_submission(
    connection: Connection, submission: AssessSubmission, *, reader: str, access: AccessPolicy
) -> None:
    """Refusals that need the database, as form errors (shown in the modal, nothing stored): the
    account is gone or churned, the form shows another account's values, or key people / the
    renewal forecast were changed by someone who may not. Runs before the ack, on a bare connection."""
    account = surface.account_gate(connection, submission.account_id)
    if account is None:
        raise InvalidFormError({AssessBlock.ACCOUNT: FormError("form.error.unknown_account")})
    if submission.rendered_for is not None and submission.rendered_for != account.id:
        raise InvalidFormError({AssessBlock.ACCOUNT: FormError("form.error.account_changed")})
    if (submission.people or submission.renewal_given) and not access.may_change_key_people(
        reader, account.owner_slack_id
    ):
        block = scoped(AssessBlock.RENEWAL, account.id)
        if submission.people:
            block = scoped(AssessBlock.PERSON_NAME, submission.people[0].role, account.id)
        raise InvalidFormError({block: FormError("access.owner_only")})


@dataclass(frozen=True, slots=True)
class CtaNote:
    """A CTA opened or cleared by this change, as the confirmation names it."""

    id: int
    rule_id: str
    priority: str
    due_on: date


@dataclass(frozen=True, slots=True)
class CtaChanges:
    opened: tuple[CtaNote, ...] = ()
    cleared: tuple[CtaNote, ...] = ()


@dataclass(frozen=True, slots=True)
class CtaHooks:
    """What re-evaluating CTAs after a change needs: the compiled rules and who to tell about new ones."""

    engine: CtaEngine
    notify: CtaNotifier


class QuietNotifier:
    """A ``CtaNotifier`` that announces nothing itself: the surfaces here report opened and cleared
    CTAs to the CSM who made the change; channel alerts belong to the CTA surface's notifier."""

    def opened(self, session: Session, cta: Cta) -> None:
        return None

    def changed(self, session: Session, cta: Cta, event: CtaEvent) -> None:
        return None


def reevaluate_ctas(
    session: Session, hooks: CtaHooks, account_id: int, *, now: datetime, tz: tzinfo
) -> CtaChanges:
    """Run the CTA rules on this one account inside the caller's unit of work, and say which CTAs the
    change opened and which it cleared."""
    report = evaluate_ctas(
        session, hooks.engine, now=now, tz=tz, notify=hooks.notify, account_ids=[account_id]
    )
    return CtaChanges(
        opened=tuple(_note(c) for c in surface.ctas_by_ids(session, report.opened)),
        cleared=tuple(_note(c) for c in surface.ctas_by_ids(session, report.auto_closed)),
    )


def _note(cta: Cta) -> CtaNote:
    return CtaNote(cta.id, cta.rule_id, cta.priority.value, cta.due_on)


@dataclass(frozen=True, slots=True)
class PeopleChange:
    role: KeyPersonRole
    left: str | None
    joined: str | None


@dataclass(frozen=True, slots=True)
class AssessOutcome:
    account: AccountBrief
    assessment_id: int
    touchpoint_id: int | None
    grade_before: int | None
    had_score: bool
    score: AccountScore
    people: tuple[PeopleChange, ...]
    ctas: CtaChanges


def submit(
    session: Session,
    compiled: CompiledConfig,
    hooks: CtaHooks,
    submission: AssessSubmission,
    *,
    author: str,
    now: datetime,
    tz: tzinfo,
) -> AssessOutcome:
    """Store one assessment and everything that comes with it, then re-score (see the module docstring).

    The caller has run ``check_submission`` before the ack; the account is looked up again here, as it
    may have been churned or deleted since.
    """
    account = surface.active_account(session, submission.account_id)
    if account is None:  # deleted between the check and now
        raise InvalidFormError({AssessBlock.ACCOUNT: FormError("form.error.unknown_account")})
    today = now.astimezone(tz).date()
    before = snapshots.latest(session, [account.id]).get(account.id)

    assessment = assessments.add(
        session,
        account_id=account.id,
        author_slack_id=author,
        call_date=submission.call_date,
        answers=dict(submission.answers),
        submitted_at=now,
        config_version=compiled.version,
        note=submission.note,
        renewal_forecast=submission.renewal if submission.renewal_given else None,
    )
    touchpoint_id: int | None = None
    if submission.touchpoint is not None:
        touchpoint_id = touchpoints.add(
            session,
            account_id=account.id,
            kind=submission.touchpoint.kind,
            occurred_at=occurred_at(submission.call_date, now, tz),
            author_slack_id=author,
            expectation_fit=submission.touchpoint.fit,
            effort_minutes=submission.touchpoint.effort_minutes,
            note=submission.note or "",
            assessment_id=assessment.id,
        ).id
    changes = _change_people(session, account.id, submission.people, on=submission.call_date, today=today)
    renewal_changed = submission.renewal_given and account.renewal_forecast != submission.renewal
    if renewal_changed:
        account.renewal_forecast = submission.renewal
    surface.record_audit(
        session,
        at=now,
        actor=author,
        action="assessment.submitted",
        entity="account",
        entity_id=str(account.id),
        detail={
            "assessment_id": assessment.id,
            "touchpoint_id": touchpoint_id,
            "config_version": compiled.version,
            "people": [{"role": c.role.value, "left": c.left, "joined": c.joined} for c in changes],
            "renewal_forecast": submission.renewal.value if submission.renewal else None,
            "renewal_changed": renewal_changed,
        },
    )
    score = rescore_account(session, compiled, account.id, today=today, tz=tz, now=lambda: now)
    ctas = reevaluate_ctas(session, hooks, account.id, now=now, tz=tz)
    return AssessOutcome(
        account=AccountBrief.of(account),
        assessment_id=assessment.id,
        touchpoint_id=touchpoint_id,
        grade_before=before.overall_grade if before is not None else None,
        had_score=before is not None,
        score=score,
        people=tuple(changes),
        ctas=ctas,
    )


def occurred_at(day: date, now: datetime, tz: tzinfo) -> datetime:
    """When a call on ``day`` happened: now if it was today, else noon that day (the exact hour is not
    asked; noon keeps it on the same day in every time zone near the team's)."""
    if now.astimezone(tz).date() == day:
        return now
    return datetime.combine(day, time(12), tzinfo=tz)


def _change_people(
    session: Session, account_id: int, people: Sequence[PersonInput], *, on: date, today: date
) -> list[PeopleChange]:
    """Apply the form's key-people fields: a new name replaces the holder (who leaves that day);
    "left" without a new name leaves the seat vacant; a name in an empty seat seats them."""
    holders: dict[KeyPersonRole, KeyPerson] = {}
    for person in key_people.current(session, account_id, today=today):
        holders.setdefault(person.role, person)
    changes: list[PeopleChange] = []
    for wanted in people:
        holder = holders.get(wanted.role)
        if holder is None:
            if wanted.name:
                key_people.add(session, account_id=account_id, role=wanted.role, name=wanted.name, since=on)
                changes.append(PeopleChange(wanted.role, None, wanted.name))
            continue
        day = on if holder.since is None or on >= holder.since else today
        if wanted.name and wanted.name != holder.name:
            key_people.replace(session, holder.id, name=wanted.name, on=day)
            changes.append(PeopleChange(wanted.role, holder.name, wanted.name))
        elif wanted.left:
            key_people.leave(session, holder.id, left_on=day)
            changes.append(PeopleChange(wanted.role, holder.name, None))
    return changes


# --- a touchpoint on its own (message shortcut, status card button) -------------------------------


@dataclass(frozen=True, slots=True)
class TouchpointOutcome:
    account: AccountBrief
    touchpoint_id: int
    grade_before: int | None
    had_score: bool
    score: AccountScore
    ctas: CtaChanges


def check_touchpoint(session: Session, submission: TouchpointSubmission) -> AccountBrief:
    account = surface.active_account(session, submission.account_id)
    if account is None:
        raise InvalidFormError({TouchpointBlock.ACCOUNT: FormError("form.error.unknown_account")})
    return AccountBrief.of(account)


def record_touchpoint(
    session: Session,
    compiled: CompiledConfig,
    hooks: CtaHooks,
    submission: TouchpointSubmission,
    *,
    author: str,
    permalink: str | None,
    now: datetime,
    tz: tzinfo,
) -> TouchpointOutcome:
    """Store one touchpoint (with the Slack message it came from), audit it, re-score, re-run CTAs."""
    account = surface.active_account(session, submission.account_id)
    if account is None:
        raise InvalidFormError({TouchpointBlock.ACCOUNT: FormError("form.error.unknown_account")})
    today = now.astimezone(tz).date()
    before = snapshots.latest(session, [account.id]).get(account.id)
    row = touchpoints.add(
        session,
        account_id=account.id,
        kind=submission.kind,
        occurred_at=occurred_at(submission.day, now, tz),
        author_slack_id=author,
        expectation_fit=submission.fit,
        effort_minutes=submission.effort_minutes,
        note=submission.note or "",
        slack_permalink=permalink,
    )
    surface.record_audit(
        session,
        at=now,
        actor=author,
        action="touchpoint.logged",
        entity="account",
        entity_id=str(account.id),
        detail={"touchpoint_id": row.id, "kind": submission.kind.value, "permalink": permalink},
    )
    score = rescore_account(session, compiled, account.id, today=today, tz=tz, now=lambda: now)
    ctas = reevaluate_ctas(session, hooks, account.id, now=now, tz=tz)
    return TouchpointOutcome(
        account=AccountBrief.of(account),
        touchpoint_id=row.id,
        grade_before=before.overall_grade if before is not None else None,
        had_score=before is not None,
        score=score,
        ctas=ctas,
    )


def active_brief(session: Session, account_id: int) -> AccountBrief | None:
    account = surface.active_account(session, account_id)
    return AccountBrief.of(account) if account is not None else None
