"""The steward's nudges, from the database to the outbox: read what is due, let ``scoring.nudges`` plan
the day, render each message in its reader's language, then record and enqueue, one CSM per unit of
work (one failing does not stop the others)::

    nudge:{day}:dm:{user}            chat.postMessage  the CSM's DM (channel = their user id)
    nudge:{day}:steward:{user}       chat.postMessage  the note to the human steward about ``user``
    nudge:{day}:roll_call:{channel}  chat.postMessage  the team channel's roll-call

The keys make a re-run of a day enqueue nothing new, and a CSM already recorded for the day is skipped.
``preview`` builds the same messages and writes nothing.

A DM speaks the CSM's language: the one remembered from their last ``/takibi nudge``, else their Slack
language (``locale_of``, looked up before anything is written), else the team's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from handlers.context import Translate
from handlers.views import Message
from handlers.views.common import rule_label
from handlers.views.nudges import nudge_dm, roll_call_message, steward_message
from scoring.config import TakibiConfig
from scoring.nudges import NudgePlan, NudgePolicy, PauseAction, PauseRequest, RollCall, plan_nudges, roll_call
from storage.db import Database
from storage.enums import NudgeOutcome
from storage.repositories import nudges as repo
from storage.repositories import outbox

logger = logging.getLogger(__name__)

TranslatorFor = Callable[[str | None], Translate]
"""A translator for a locale (``"ja"`` / ``"en"``); ``None``: the team's language."""

LocaleOf = Callable[[str], str | None]
"""A user's language as Slack knows it (``None``: unknown), for CSMs who have not told takibi theirs."""


def stale_after_days(config: TakibiConfig) -> int:
    """``nudges.stale_after_days``, else the age at which the score stops using an assessment."""
    return config.nudges.stale_after_days or config.assessment_max_age_days


def policy_of(config: TakibiConfig) -> NudgePolicy:
    settings = config.nudges
    return NudgePolicy(
        stale_after_days=stale_after_days(config),
        include_overdue_ctas=settings.include_overdue_ctas,
        max_items=settings.max_items,
        escalate_after_ignored=settings.escalate_after_ignored,
        steward=settings.steward,
    )


@dataclass(frozen=True, slots=True)
class RollCallTeam:
    """Where one roll-call goes and which segments it counts (``None``: every account)."""

    channel: str
    segments: tuple[str, ...] | None


def roll_call_teams(config: TakibiConfig) -> tuple[RollCallTeam, ...]:
    """The team channels, grouped as the digest groups them (``cta.channels`` per segment, else
    ``cta.default_channel``; segments sharing a channel share a roll-call)."""
    settings, cta = config.nudges.roll_call, config.cta
    if not settings.enabled:
        return ()
    if not settings.per_channel:
        channel = settings.channel or cta.default_channel
        return () if channel is None else (RollCallTeam(channel, None),)
    by_channel: dict[str, list[str]] = {}
    for segment in config.segments:
        channel = cta.channels.get(segment.id) or cta.default_channel
        if channel is not None:
            by_channel.setdefault(channel, []).append(segment.id)
    return tuple(RollCallTeam(channel, tuple(segments)) for channel, segments in by_channel.items())


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message ready for the outbox: who it is about (``user``), where it goes, in which language."""

    kind: str
    """``dm``, ``steward`` or ``roll_call``."""
    target: str
    user: str | None
    locale: str
    message: Message

    def dedupe_key(self, day: date) -> str:
        about = self.target if self.kind == "roll_call" else self.user
        return f"nudge:{day.isoformat()}:{self.kind}:{about}"


@dataclass(frozen=True, slots=True)
class NudgeDay:
    """Everything the day's nudges need, read in one unit of work, planned, rendered."""

    today: date
    plan: NudgePlan
    roll_calls: tuple[tuple[RollCallTeam, RollCall], ...]
    locales: dict[str, str | None] = field(default_factory=dict)
    already: frozenset[str] = frozenset()
    """CSMs already nudged today (a re-run)."""


def plan_day(session: Session, config: TakibiConfig, *, today: date, now: datetime) -> NudgeDay:
    """Read what is due and who is paused, and plan the day (nothing written)."""
    policy = policy_of(config)
    accounts = repo.account_facts(session)
    overdue = repo.overdue_ctas(session, today=today, now=now)
    preferences = repo.preferences(session)
    paused = {user: p.paused_through for user, p in preferences.items() if p.paused_through is not None}
    plan = plan_nudges(
        accounts,
        overdue,
        today=today,
        policy=policy,
        paused=paused,
        previous=repo.unresolved_before(session, today),
    )
    calls = tuple(
        (
            team,
            roll_call(
                accounts, today=today, stale_after_days=policy.stale_after_days, segments=team.segments
            ),
        )
        for team in roll_call_teams(config)
    )
    return NudgeDay(
        today=today,
        plan=plan,
        roll_calls=calls,
        locales={user: p.locale for user, p in preferences.items()},
        already=frozenset(repo.nudged_on(session, today)),
    )


def render_day(
    day: NudgeDay, config: TakibiConfig, translator: TranslatorFor, locale_of: LocaleOf | None = None
) -> list[Outgoing]:
    """Every message of the day: DMs (each followed by its steward note, if any), then the roll-calls."""

    def reader(user: str) -> Translate:
        locale = day.locales.get(user)
        if locale is None and locale_of is not None:
            locale = locale_of(user)
        return translator(locale)

    days = stale_after_days(config)
    team = translator(None)
    escalations = {escalation.user: escalation for escalation in day.plan.escalations}
    out: list[Outgoing] = []
    for nudge in day.plan.nudges:
        t = reader(nudge.user)
        message = nudge_dm(t, nudge, today=day.today, stale_after_days=days, rule=rule_label(t, config))
        out.append(Outgoing("dm", nudge.user, nudge.user, t.locale, message))
        escalation = escalations.get(nudge.user)
        if escalation is not None:
            st = reader(escalation.steward)
            note = steward_message(
                st,
                steward=escalation.steward,
                user=escalation.user,
                ignored=escalation.ignored,
                open_items=escalation.open_items,
            )
            out.append(Outgoing("steward", escalation.steward, escalation.user, st.locale, note))
    for roll_team, call in day.roll_calls:
        message = roll_call_message(team, call, today=day.today, stale_after_days=days)
        out.append(Outgoing("roll_call", roll_team.channel, None, team.locale, message))
    return out


@dataclass(frozen=True, slots=True)
class SendResult:
    dms: int = 0
    escalations: int = 0
    roll_calls: int = 0
    paused: int = 0
    errors: tuple[str, ...] = ()


def send_day(
    database: Database,
    config: TakibiConfig,
    translator: TranslatorFor,
    *,
    today: date,
    now: datetime,
    locale_of: LocaleOf | None = None,
) -> SendResult:
    """Plan, render, then record and enqueue each CSM's nudge in its own unit of work."""
    with database.unit_of_work() as session:
        day = plan_day(session, config, today=today, now=now)
    outgoing = render_day(day, config, translator, locale_of)
    by_user: dict[str, list[Outgoing]] = {}
    for item in outgoing:
        if item.user is not None:
            by_user.setdefault(item.user, []).append(item)
    nudges = {nudge.user: nudge for nudge in day.plan.nudges}
    resolutions = {resolution.user: resolution for resolution in day.plan.resolutions}
    dms = escalations = calls = 0
    errors: list[str] = []
    for user in sorted(set(nudges) | set(resolutions)):
        if user in day.already:
            continue
        try:
            with database.unit_of_work(immediate=True) as session:
                resolution = resolutions.get(user)
                if resolution is not None:
                    outcome = NudgeOutcome(resolution.outcome.value)
                    repo.resolve(session, user, resolution.day, outcome, on=today)
                nudge = nudges.get(user)
                if nudge is None:
                    continue
                repo.add(
                    session,
                    user=user,
                    day=today,
                    items=nudge.keys,
                    total=nudge.total,
                    streak=nudge.streak,
                    steward_told=nudge.steward_told,
                    now=now,
                )
                for item in by_user.get(user, []):
                    _enqueue(session, item, today)
        except Exception as exc:  # one CSM's failure must not stop the others' nudges
            logger.exception("nudge for %s failed", user)
            errors.append(f"{user}: {type(exc).__name__}: {exc}"[:300])
            continue
        if user in nudges:
            dms += 1
            escalations += sum(1 for item in by_user.get(user, []) if item.kind == "steward")
    for item in outgoing:
        if item.kind != "roll_call":
            continue
        try:
            with database.unit_of_work(immediate=True) as session:
                _enqueue(session, item, today)
        except Exception as exc:
            logger.exception("roll-call to %s failed", item.target)
            errors.append(f"{item.target}: {type(exc).__name__}: {exc}"[:300])
            continue
        calls += 1
    return SendResult(dms, escalations, calls, len(day.plan.paused), tuple(errors))


def _enqueue(session: Session, item: Outgoing, today: date) -> None:
    outbox.enqueue(
        session,
        method="chat.postMessage",
        payload={"channel": item.target, **item.message.to_payload()},
        dedupe_key=item.dedupe_key(today),
        channel_id=item.target,
    )


def preview_day(
    database: Database,
    config: TakibiConfig,
    translator: TranslatorFor,
    *,
    today: date,
    now: datetime,
    locale_of: LocaleOf | None = None,
) -> tuple[NudgeDay, list[Outgoing]]:
    """What ``send_day`` would send on ``today``, rendered; nothing written (``takibi nudge --preview``)."""
    with database.unit_of_work() as session:
        day = plan_day(session, config, today=today, now=now)
    return day, render_day(day, config, translator, locale_of)


# --- /takibi nudge ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PauseState:
    paused_through: date | None
    changed: bool


def apply_pause(
    session: Session, user: str, request: PauseRequest, *, locale: str, now: datetime
) -> PauseState:
    """Show, set or lift ``user``'s pause; every use remembers their language for the DMs."""
    current = repo.preferences(session, [user]).get(user)
    through = current.paused_through if current is not None else None
    if request.action is PauseAction.OFF:
        through = request.through
    elif request.action is PauseAction.ON:
        through = None
    saved = repo.set_preference(session, user, paused_through=through, locale=locale, now=now)
    return PauseState(saved.paused_through, request.action is not PauseAction.STATUS)
