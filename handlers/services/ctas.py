"""The CTA lifecycle: evaluate the rules, open and close CTAs, and every transition people make.

::

                 take              done (owner/admin) ──▶ done
    (rule fires) ──▶ open ──────▶ in_progress ─┤
                      │  ▲                      dismiss (owner/admin, with a reason) ──▶ dismissed
                      │  └ snooze / wake (status unchanged, ``snoozed_until`` set, then cleared)
                      ├── condition known to be cleared, rule switched off, account churned ──▶ auto_closed
                      └── overdue (flagged once) … ``expire_after_overdue_days`` later ──▶ expired

Every transition is a ``cta_events`` row with its actor and time. Transitions people make raise a
typed :class:`CtaError` (not found, illegal in this state, not allowed for this user, bad input) that
the Slack surface turns into a message. Nothing here commits: the caller's unit of work does, so a
transition and the outbox messages announcing it are written together.

:func:`evaluate_ctas` runs after every scoring pass and every assessment. It tells the Slack side what
happened only through the :class:`CtaNotifier` it is given, which enqueues the alert messages in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from sqlalchemy.orm import Session

from scoring.calendar import BusinessCalendar
from scoring.compiled import CompiledConfig
from scoring.config import TakibiConfig
from scoring.config_schedule import ScheduleConfig
from scoring.health import compile_config, score_account
from scoring.model import AccountFacts
from scoring.rules import CompiledRules, check, compile_rules
from storage.enums import (
    OPEN_CTA_STATUSES,
    AccountStatus,
    CtaEventKind,
    CtaPriority,
    CtaStatus,
    CtaUsefulness,
)
from storage.models import Cta, CtaEvent
from storage.repositories import ctas as repo
from storage.repositories import facts as facts_repo
from storage.repositories.ctas import SYSTEM_ACTOR
from storage.repositories.facts import DEFAULT_BATCH_SIZE, AccountRef, FactWindows

# --- errors --------------------------------------------------------------------------------------


class CtaAction(StrEnum):
    TAKE = "take"
    SNOOZE = "snooze"
    DONE = "done"
    DISMISS = "dismiss"
    FEEDBACK = "feedback"


class CtaError(Exception):
    """A transition that cannot happen; ``key`` and ``params`` render it for the user (``rules.yml``).

    ``params`` always holds ``cta_id``, plus what the subclass adds (raw values, for logs and tests).
    """

    key = "rules.error.cta"

    def __init__(self, cta_id: int, **params: object) -> None:
        super().__init__(f"{type(self).__name__}: CTA {cta_id} {params}")
        self.cta_id = cta_id
        self.params: dict[str, object] = {"cta_id": cta_id, **params}


class CtaNotFoundError(CtaError):
    key = "rules.error.not_found"


class IllegalTransitionError(CtaError):
    """The CTA's state does not allow the action (closing a closed CTA, taking your own again...)."""

    key = "rules.error.already_closed"

    def __init__(self, cta_id: int, *, status: CtaStatus, action: CtaAction) -> None:
        super().__init__(cta_id, status=status.value, action=action.value)
        self.status = status
        self.action = action
        if action is CtaAction.FEEDBACK:
            self.key = "rules.error.feedback_open"
        elif status in OPEN_CTA_STATUSES:
            self.key = "rules.error.already_yours"
        else:
            self.key = "rules.error.already_closed"


class NotAllowedError(CtaError):
    """Only the CTA's owner (the account owner) or an admin may close it."""

    key = "rules.error.not_allowed.close"

    def __init__(self, cta_id: int, *, user_id: str, action: CtaAction) -> None:
        super().__init__(cta_id, user_id=user_id, action=action.value)
        self.user_id = user_id
        self.action = action
        kind = "feedback" if action is CtaAction.FEEDBACK else "close"
        self.key = f"rules.error.not_allowed.{kind}"


class InvalidCtaInputError(CtaError):
    """A dismissal without a reason, a snooze that ends in the past."""

    key = "rules.error.input.reason_required"

    def __init__(self, cta_id: int, *, problem: str) -> None:
        super().__init__(cta_id, problem=problem)
        self.problem = problem
        self.key = f"rules.error.input.{problem}"


# --- the notifier --------------------------------------------------------------------------------


class CtaNotifier(Protocol):
    """Tells people about CTAs, typically by enqueueing outbox messages in ``session``.

    Called inside the evaluation's transaction, after the change is flushed: what it enqueues commits
    (or rolls back) with the change itself.
    """

    def opened(self, session: Session, cta: Cta) -> None: ...

    def changed(self, session: Session, cta: Cta, event: CtaEvent) -> None: ...


# --- what the engine runs on ---------------------------------------------------------------------


CalendarFor = Callable[[date], BusinessCalendar]
"""The team's business calendar around a day (``bot.calendar.calendar_around`` with the schedule)."""


@dataclass(frozen=True, slots=True, eq=False)
class CtaEngine:
    """The compiled scoring model and rules of one configuration, and where the team's business
    calendar comes from: build once, use for every pass.

    ``calendar_for`` gives the calendar for a day (national holidays come from ``bot.calendar``, which
    handlers cannot import, so the composition root passes it in). Without one, due dates count only
    the schedule's weekend and company days off, not national holidays.
    """

    health: CompiledConfig
    rules: CompiledRules
    calendar_for: CalendarFor

    @classmethod
    def from_config(
        cls,
        config: TakibiConfig,
        *,
        calendar_for: CalendarFor | None = None,
        health: CompiledConfig | None = None,
    ) -> CtaEngine:
        return cls(
            health=health or compile_config(config),
            rules=compile_rules(config),
            calendar_for=calendar_for or _without_national_holidays(config.schedule),
        )

    def load_facts(
        self, session: Session, accounts: Sequence[AccountRef], today: date, tz: tzinfo
    ) -> tuple[list[AccountFacts], list[AccountFacts]]:
        """Per account, the facts the health score reads (what the scoring pass scores) and the facts
        the rules read: the same, plus the daily values of the metrics whose change a rule checks,
        as far back as it looks (the score reads only the latest fresh value)."""
        scored = facts_repo.load_facts(session, accounts, FactWindows.of(self.health, today), tz=tz)
        if not self.rules.metric_days:
            return scored, scored
        windows = FactWindows(
            today=today,
            question_ids=frozenset(),
            touchpoints_from=today,
            metrics_from=MappingProxyType(
                {m: today - timedelta(days=days) for m, days in self.rules.metric_days.items()}
            ),
        )
        series = facts_repo.metric_series(session, [a.id for a in accounts], windows, latest_only=False)
        ruled = [
            replace(f, metrics={**f.metrics, **series[a.id]}) if a.id in series else f
            for a, f in zip(accounts, scored, strict=True)
        ]
        return scored, ruled


def _without_national_holidays(schedule: ScheduleConfig) -> CalendarFor:
    def calendar_for(day: date) -> BusinessCalendar:
        years = range(day.year - 1, day.year + 2)
        return BusinessCalendar(
            holidays=schedule.extra_holiday_dates(years),
            weekend=schedule.weekend_days,
            work_start=schedule.working_hours.start_time,
            work_end=schedule.working_hours.end_time,
            covers=years,
        )

    return calendar_for


def local_day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


# --- transitions people make ---------------------------------------------------------------------


def _load(session: Session, cta_id: int) -> Cta:
    cta = repo.get(session, cta_id, lock=True)
    if cta is None:
        raise CtaNotFoundError(cta_id)
    return cta


def _require_open(cta: Cta, action: CtaAction) -> None:
    if cta.status not in OPEN_CTA_STATUSES:
        raise IllegalTransitionError(cta.id, status=cta.status, action=action)


def _require_owner(cta: Cta, user_id: str, *, is_admin: bool, action: CtaAction) -> None:
    if not is_admin and (cta.owner_slack_id is None or cta.owner_slack_id != user_id):
        raise NotAllowedError(cta.id, user_id=user_id, action=action)


def take(session: Session, cta_id: int, *, user_id: str, now: datetime) -> CtaEvent:
    """Anyone in CS takes an open CTA (or takes it over from a colleague); a snooze ends with it."""
    cta = _load(session, cta_id)
    _require_open(cta, CtaAction.TAKE)
    if cta.status is CtaStatus.IN_PROGRESS and cta.taken_by == user_id:
        raise IllegalTransitionError(cta.id, status=cta.status, action=CtaAction.TAKE)
    detail: dict[str, object] = {}
    if cta.taken_by is not None:
        detail["previous"] = cta.taken_by
    if cta.snoozed_until is not None:
        detail["unsnoozed"] = True
    cta.status = CtaStatus.IN_PROGRESS
    cta.taken_by = user_id
    cta.taken_at = now
    cta.snoozed_until = None
    return repo.add_event(session, cta, CtaEventKind.TAKEN, actor=user_id, at=now, detail=detail)


def snooze(
    session: Session,
    cta_id: int,
    *,
    user_id: str,
    until: date,
    tz: tzinfo,
    now: datetime,
    reason: str | None = None,
) -> CtaEvent:
    """Anyone in CS silences an open CTA until the start of ``until`` (the team's day); it stays open,
    so the rule cannot fire again meanwhile, and wakes up on that day."""
    cta = _load(session, cta_id)
    _require_open(cta, CtaAction.SNOOZE)
    if until <= local_day(now, tz):
        raise InvalidCtaInputError(cta.id, problem="snooze_past")
    text = reason.strip() if reason else None
    cta.snoozed_until = day_start(until, tz)
    cta.snooze_reason = text or None
    detail = {"until": until, "reason": text or None}
    return repo.add_event(session, cta, CtaEventKind.SNOOZED, actor=user_id, at=now, detail=detail)


def _close(cta: Cta, status: CtaStatus, *, actor: str, now: datetime) -> None:
    cta.status = status
    cta.closed_at = now
    cta.closed_by = actor
    cta.snoozed_until = None


def complete(
    session: Session,
    cta_id: int,
    *,
    user_id: str,
    is_admin: bool,
    now: datetime,
    usefulness: CtaUsefulness | None = None,
    note: str | None = None,
) -> CtaEvent:
    """The owner or an admin marks the CTA done, optionally saying whether it was useful."""
    cta = _load(session, cta_id)
    _require_open(cta, CtaAction.DONE)
    _require_owner(cta, user_id, is_admin=is_admin, action=CtaAction.DONE)
    _close(cta, CtaStatus.DONE, actor=user_id, now=now)
    if usefulness is not None:
        cta.usefulness = usefulness
    detail: dict[str, object] = {"usefulness": usefulness.value if usefulness else None}
    if note and note.strip():
        detail["note"] = note.strip()
    return repo.add_event(session, cta, CtaEventKind.DONE, actor=user_id, at=now, detail=detail)


def dismiss(
    session: Session,
    cta_id: int,
    *,
    user_id: str,
    is_admin: bool,
    reason: str,
    now: datetime,
    usefulness: CtaUsefulness | None = None,
) -> CtaEvent:
    """The owner or an admin dismisses the CTA, saying why (kept for the rule's statistics)."""
    cta = _load(session, cta_id)
    _require_open(cta, CtaAction.DISMISS)
    _require_owner(cta, user_id, is_admin=is_admin, action=CtaAction.DISMISS)
    text = reason.strip()
    if not text:
        raise InvalidCtaInputError(cta.id, problem="reason_required")
    _close(cta, CtaStatus.DISMISSED, actor=user_id, now=now)
    cta.dismiss_reason = text
    if usefulness is not None:
        cta.usefulness = usefulness
    detail = {"reason": text, "usefulness": usefulness.value if usefulness else None}
    return repo.add_event(session, cta, CtaEventKind.DISMISSED, actor=user_id, at=now, detail=detail)


def give_feedback(
    session: Session,
    cta_id: int,
    *,
    user_id: str,
    is_admin: bool,
    usefulness: CtaUsefulness,
    now: datetime,
) -> CtaEvent:
    """Was a closed CTA useful, a false alarm, or too early? Its owner, taker or an admin says so."""
    cta = _load(session, cta_id)
    if cta.status in OPEN_CTA_STATUSES:
        raise IllegalTransitionError(cta.id, status=cta.status, action=CtaAction.FEEDBACK)
    if not is_admin and user_id not in {cta.owner_slack_id, cta.taken_by}:
        raise NotAllowedError(cta.id, user_id=user_id, action=CtaAction.FEEDBACK)
    previous = cta.usefulness
    cta.usefulness = usefulness
    detail = {"usefulness": usefulness.value, "previous": previous.value if previous else None}
    return repo.add_event(session, cta, CtaEventKind.FEEDBACK, actor=user_id, at=now, detail=detail)


# --- evaluation ----------------------------------------------------------------------------------


class AutoCloseReason(StrEnum):
    CLEARED = "cleared"
    RULE_DISABLED = "rule_disabled"
    RULE_REMOVED = "rule_removed"
    ACCOUNT_INACTIVE = "account_inactive"


@dataclass
class EvaluationReport:
    """What one evaluation did, by CTA id; ``undetermined`` counts (account, rule) pairs left undecided
    for missing data, ``cooling_down`` hits held back by a rule's cool-down, ``raced`` hits another
    evaluation opened first."""

    day: date
    accounts: int = 0
    opened: list[int] = field(default_factory=list)
    auto_closed: list[int] = field(default_factory=list)
    woke: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    cooling_down: int = 0
    raced: int = 0
    undetermined: int = 0


def evaluate_ctas(
    session: Session,
    engine: CtaEngine,
    *,
    now: datetime,
    tz: tzinfo,
    notify: CtaNotifier,
    account_ids: Collection[int] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> EvaluationReport:
    """Run the enabled rules on every active account (or on ``account_ids``) as of ``now``'s local day:
    open CTAs for new hits, auto-close those whose condition is known to be cleared, wake snoozed ones,
    flag overdue ones once and expire long-overdue ones.

    Does not commit. On SQLite run it in ``unit_of_work(immediate=True)``, so two evaluations do not
    interleave; on PostgreSQL a concurrent one loses the race for a CTA gracefully (``raced``).
    """
    today = local_day(now, tz)
    report = EvaluationReport(day=today)
    run = _Run(session, engine, now=now, today=today, tz=tz, notify=notify, report=report)
    for page in _pages(session, account_ids, batch_size):
        run.page(page)
    if account_ids is None:
        for cta in repo.open_ctas_of_inactive_accounts(session):
            run.auto_close(cta, AutoCloseReason.ACCOUNT_INACTIVE)
    session.flush()
    return report


def active_pages(session: Session, size: int) -> Iterator[list[AccountRef]]:
    """Every active account, a page at a time (keyset paging, so writes between pages are safe)."""
    after = 0
    while page := facts_repo.account_page(session, after_id=after, limit=size):
        yield page
        after = page[-1].id


def _pages(session: Session, account_ids: Collection[int] | None, size: int) -> Iterator[list[AccountRef]]:
    if account_ids is None:
        yield from active_pages(session, size)
        return
    ids = sorted(set(account_ids))
    for offset in range(0, len(ids), size):
        yield facts_repo.accounts_by_ids(session, ids[offset : offset + size])


class _Run:
    """One evaluation's state: the inputs, the clock, and the report it fills."""

    def __init__(
        self,
        session: Session,
        engine: CtaEngine,
        *,
        now: datetime,
        today: date,
        tz: tzinfo,
        notify: CtaNotifier,
        report: EvaluationReport,
    ) -> None:
        self.session, self.engine, self.now, self.today, self.tz = session, engine, now, today, tz
        self.notify, self.report = notify, report
        self.rules = engine.rules
        self.calendar = engine.calendar_for(today)
        self.expire_after = engine.rules.settings.expire_after_overdue_days

    def page(self, accounts: Sequence[AccountRef]) -> None:
        session, today, rules = self.session, self.today, self.rules
        ids = [a.id for a in accounts]
        contexts = repo.account_contexts(session, ids)
        open_by_account: dict[int, list[Cta]] = {}
        for cta in repo.open_ctas(session, ids):
            open_by_account.setdefault(cta.account_id, []).append(cta)
        closed = repo.last_closed(session, ids)
        history = (
            repo.grade_history(
                session,
                ids,
                since=today - timedelta(days=rules.history_days),
                until=today - timedelta(days=1),
            )
            if rules.history_days
            else {}
        )
        active = [a for a in accounts if a.id in contexts and contexts[a.id].status is AccountStatus.ACTIVE]
        scored, ruled = self.engine.load_facts(session, active, today, self.tz)
        self.report.accounts += len(active)
        evaluated: set[int] = set()
        for ref, score_facts, account_facts in zip(active, scored, ruled, strict=True):
            evaluated.add(ref.id)
            context = contexts[ref.id]
            health = score_account(score_facts, self.engine.health, today)
            result = check(
                account_facts,
                health,
                history.get(ref.id, ()),
                rules,
                today,
                calendar=self.calendar,
                renewal_on=context.renewal_date,
            )
            self.report.undetermined += len(result.undetermined)
            already = {cta.rule_id: cta for cta in open_by_account.get(ref.id, ())}
            for hit in result.hits:
                if hit.rule_id in already:
                    continue
                rule = rules.get(hit.rule_id)
                assert rule is not None
                last = closed.get((ref.id, hit.rule_id))
                if last is not None and local_day(last, self.tz) + timedelta(days=rule.cooldown_days) > today:
                    self.report.cooling_down += 1
                    continue
                opened = repo.try_open(
                    session,
                    account_id=ref.id,
                    rule_id=hit.rule_id,
                    priority=CtaPriority(hit.priority.value),
                    reasons=hit.reasons,
                    due_on=hit.due_on,
                    owner_slack_id=context.owner_slack_id,
                    channel_id=rules.channel_for(context.segment, context.alert_channel_id),
                    config_version=rules.version,
                    now=self.now,
                )
                if opened is None:
                    self.report.raced += 1
                    continue
                session.flush()
                self.report.opened.append(opened.id)
                self.notify.opened(session, opened)
            fired = {hit.rule_id for hit in result.hits}
            for cta in already.values():
                self._follow_up(cta, fired=fired, undetermined=result.undetermined)
        for account_id, ctas in open_by_account.items():
            if account_id not in evaluated:
                for cta in ctas:
                    self.auto_close(cta, AutoCloseReason.ACCOUNT_INACTIVE)

    def _follow_up(self, cta: Cta, *, fired: set[str], undetermined: frozenset[str]) -> None:
        rule = self.rules.get(cta.rule_id)
        if rule is None:
            self.auto_close(cta, AutoCloseReason.RULE_REMOVED)
        elif not rule.enabled:
            self.auto_close(cta, AutoCloseReason.RULE_DISABLED)
        elif cta.rule_id not in fired and cta.rule_id not in undetermined:
            self.auto_close(cta, AutoCloseReason.CLEARED)
        else:
            self.tick(cta)

    def tick(self, cta: Cta) -> None:
        """Time passes for an open CTA: wake it, then expire it or flag it overdue (once)."""
        if cta.snoozed_until is not None:
            if self.now < cta.snoozed_until:
                return  # a snoozed CTA neither goes overdue nor expires while it sleeps
            cta.snoozed_until = None
            self._system_event(cta, CtaEventKind.WOKE, self.report.woke, {})
        late = (self.today - cta.due_on).days
        if late > self.expire_after:
            _close(cta, CtaStatus.EXPIRED, actor=SYSTEM_ACTOR, now=self.now)
            self._system_event(cta, CtaEventKind.EXPIRED, self.report.expired, {"days_overdue": late})
        elif late > 0 and cta.overdue_flagged_at is None:
            cta.overdue_flagged_at = self.now
            self._system_event(cta, CtaEventKind.OVERDUE, self.report.overdue, {"due_on": cta.due_on})

    def auto_close(self, cta: Cta, reason: AutoCloseReason) -> None:
        _close(cta, CtaStatus.AUTO_CLOSED, actor=SYSTEM_ACTOR, now=self.now)
        self._system_event(cta, CtaEventKind.AUTO_CLOSED, self.report.auto_closed, {"reason": reason.value})

    def _system_event(self, cta: Cta, kind: CtaEventKind, into: list[int], detail: dict[str, object]) -> None:
        event = repo.add_event(self.session, cta, kind, actor=SYSTEM_ACTOR, at=self.now, detail=detail)
        self.session.flush()
        into.append(cta.id)
        self.notify.changed(self.session, cta, event)
