"""Assessments: a CSM's answers after a customer call, and the latest answer to each question.

How "latest" is decided (the facts loader uses :func:`latest_answers`, the assess modal
:func:`latest_answers_of`, which agree):

* answers age from the **call date** (the day the CSM learnt it), not from when the form was sent;
  ties on one day go to the later submission;
* a question **left out** of an assessment says nothing: the older answer stands, so a short follow-up
  form does not erase what an earlier call established;
* a question **answered "unknown"** (stored as JSON ``null``) is a statement that the old picture no
  longer holds (a reorganisation, a new PO): it overrides the older answer, and scoring then treats the
  question as unknown (lower confidence and a nudge, never a lower score);
* assessments dated after the scoring day are ignored, so a day in the past can be re-scored as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from scoring.model import Answer, AnswerValue, new_answer
from storage.enums import RenewalForecast
from storage.mapping import answer_value
from storage.models import Assessment


def add(
    session: Session,
    *,
    account_id: int,
    author_slack_id: str,
    call_date: date,
    answers: Mapping[str, AnswerValue],
    submitted_at: datetime,
    config_version: str,
    note: str | None = None,
    renewal_forecast: RenewalForecast | None = None,
) -> Assessment:
    """Record one assessment; ``answers`` maps question id → value, ``None`` meaning "unknown"."""
    assessment = Assessment(
        account_id=account_id,
        author_slack_id=author_slack_id,
        call_date=call_date,
        answers=dict(answers),
        submitted_at=submitted_at,
        config_version=config_version,
        note=note,
        renewal_forecast=renewal_forecast,
    )
    session.add(assessment)
    session.flush()
    return assessment


def latest_answers(
    session: Session,
    account_ids: Collection[int],
    *,
    until: date | None = None,
    question_ids: Collection[str] | None = None,
) -> dict[int, tuple[Answer, ...]]:
    """Per account, the latest answer to each question (rules in the module docstring).

    ``until``: ignore assessments whose call is after that day. ``question_ids``: keep only these
    (questions removed from the configuration are of no use to scoring). Accounts without any
    assessment are absent from the result. One query for all the accounts given.
    """
    if not account_ids:
        return {}
    session.flush()  # read below the ORM (no autoflush): a caller's unsaved assessment must count
    statement = select(Assessment.account_id, Assessment.call_date, Assessment.answers).where(
        Assessment.account_id.in_(list(account_ids))
    )
    if until is not None:
        statement = statement.where(Assessment.call_date <= until)
    statement = statement.order_by(
        Assessment.account_id, Assessment.call_date, Assessment.submitted_at, Assessment.id
    )
    wanted = None if question_ids is None else frozenset(question_ids)
    latest: dict[int, dict[str, tuple[Any, date]]] = {}
    for account_id, call_date, answers in session.connection().execute(statement).all():
        if not isinstance(answers, dict):
            continue
        per_question = latest.setdefault(account_id, {})
        for question_id, raw in answers.items():
            if wanted is None or question_id in wanted:
                per_question[question_id] = (raw, call_date)  # later rows override: rows are oldest first
    return {
        account_id: tuple(new_answer(str(q), answer_value(raw), on) for q, (raw, on) in answers.items())
        for account_id, answers in latest.items()
    }


_NEWEST_FIRST = (
    select(Assessment.call_date, Assessment.answers)
    .where(Assessment.account_id == bindparam("account_id"))
    .order_by(Assessment.call_date.desc(), Assessment.submitted_at.desc(), Assessment.id.desc())
)
"""One account's assessments, newest first by the order :func:`latest_answers` reads oldest first."""


def latest_answers_of(
    connection: Connection, account_id: int, *, question_ids: Collection[str]
) -> tuple[Answer, ...]:
    """``latest_answers(session, [account_id], question_ids=question_ids)[account_id]`` (empty when
    none), for a form that shows one account: read newest first, it stops at the assessment that
    answers the last wanted question, where the other reads and decodes every assessment the account
    ever had. The answers come in no particular order.
    """
    missing = set(question_ids)
    if not missing:
        return ()
    found: list[Answer] = []
    with connection.execute(_NEWEST_FIRST, {"account_id": account_id}) as rows:
        for call_date, answers in rows:
            if not isinstance(answers, dict):
                continue
            for question_id, raw in answers.items():
                if question_id in missing:
                    missing.remove(question_id)
                    found.append(new_answer(str(question_id), answer_value(raw), call_date))
            if not missing:
                break
    return tuple(found)


def history(session: Session, account_id: int, *, limit: int = 20) -> Sequence[Assessment]:
    """The account's assessments, newest call first (for the status card and audits)."""
    statement = (
        select(Assessment)
        .where(Assessment.account_id == account_id)
        .order_by(Assessment.call_date.desc(), Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(limit)
    )
    return session.scalars(statement).all()
