"""The CTA alerts in Slack, through the outbox: the :class:`CtaNotifier` that posts and updates them,
finding a CTA from its alert message, refusals as ephemerals, and the escalation of untaken alerts.

Everything here only enqueues, in the caller's transaction (so a transition and its messages commit
together), and asks the deliverer to look at the outbox once that transaction commits::

    cta:{id}:alert            chat.postMessage  the alert (in the account's or the segment's channel)
    cta:{id}:update:{event}   chat.update       the alert re-rendered     (depends on the alert row)
    cta:{id}:reply:{event}    chat.postMessage  one line in its thread    (depends on the alert row)
    cta:{id}:refused:{key}    chat.postEphemeral "only the owner or an admin may close it"
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from handlers.context import Translate
from handlers.services.ctas import CtaError
from handlers.views.cta import AlertData, AlertMessage, ModalSubject, Reactions, alert_message, event_reply
from scoring.calendar import BusinessCalendar
from scoring.grades import GradeScale
from scoring.model import Text
from scoring.rules import CompiledRules
from storage.enums import CtaEventKind, CtaStatus
from storage.mapping import param_from_json
from storage.models import Cta, CtaEvent
from storage.repositories import ctas as repo
from storage.repositories import outbox, snapshots
from storage.repositories.ctas import SYSTEM_ACTOR

logger = logging.getLogger(__name__)

_KICK_FLAG = "takibi.cta_alerts.kick"


def alert_key(cta_id: int) -> str:
    return f"cta:{cta_id}:alert"


@dataclass
class CtaAlerts:
    """The :class:`~handlers.services.ctas.CtaNotifier` that speaks in the team channel.

    ``t`` renders in the team's language (channel messages have many readers), ``tz`` is the team's
    (snooze dates); ``kick`` is the deliverer's ``notify``, called after the transaction that
    enqueued something commits.
    """

    rules: CompiledRules
    scale: GradeScale
    t: Translate
    tz: tzinfo = UTC
    kick: Callable[[], None] = lambda: None

    # --- CtaNotifier ----------------------------------------------------------------------------

    def opened(self, session: Session, cta: Cta) -> None:
        self._alert_row(session, cta)

    def changed(self, session: Session, cta: Cta, event: CtaEvent) -> None:
        """Update the alert in place and say what happened in its thread."""
        parent = self._alert_row(session, cta)
        if parent is None:
            return
        message = self.render(session, cta)
        outbox.enqueue(
            session,
            method="chat.update",
            payload={"text": message.text, "blocks": message.payload()["blocks"]},
            dedupe_key=f"cta:{cta.id}:update:{event.id}",
            depends_on_id=parent,
        )
        detail = {name: param_from_json(value) for name, value in (event.detail or {}).items()}
        outbox.enqueue(
            session,
            method="chat.postMessage",
            payload={"text": event_reply(self.t, cta.id, event.kind, event.actor, detail)},
            dedupe_key=f"cta:{cta.id}:reply:{event.id}",
            depends_on_id=parent,
        )
        self._kick_after_commit(session)

    # --- the rest of the surface ----------------------------------------------------------------

    def reactions(self) -> Reactions:
        settings = self.rules.settings
        return Reactions(
            take=settings.reactions.take,
            done=settings.reactions.done,
            snooze=settings.reactions.snooze,
            snooze_days=settings.snooze_days,
        )

    def render(self, session: Session, cta: Cta) -> AlertMessage:
        return alert_message(self.t, self.scale, self.alert_data(session, cta), self.reactions())

    def alert_data(self, session: Session, cta: Cta) -> AlertData:
        context = repo.account_contexts(session, [cta.account_id]).get(cta.account_id)
        snapshot = snapshots.latest(session, [cta.account_id]).get(cta.account_id)
        grades: dict[str, int | None] = {}
        if snapshot is not None:
            grades = {
                "overall": snapshot.overall_grade,
                "firewood": snapshot.firewood_grade,
                "ember": snapshot.ember_grade,
                "wind": snapshot.wind_grade,
                "fire": snapshot.fire_grade,
            }
        subject = self.subject(session, cta)
        rule = self.rules.get(cta.rule_id)
        return AlertData(
            cta_id=cta.id,
            status=cta.status,
            priority=cta.priority,
            account=subject.account,
            title=subject.title,
            reasons=repo.reasons_from_json(cta.reasons),
            playbook=rule.playbook if rule is not None else (),
            due_on=cta.due_on,
            owner=context.owner_slack_id if context is not None else cta.owner_slack_id,
            grades=grades,
            taken_by=cta.taken_by,
            snoozed_until=cta.snoozed_until.astimezone(self.tz).date() if cta.snoozed_until else None,
            closed_at=cta.closed_at,
            closed_by=cta.closed_by,
        )

    def subject(self, session: Session, cta: Cta) -> ModalSubject:
        context = repo.account_contexts(session, [cta.account_id]).get(cta.account_id)
        rule = self.rules.get(cta.rule_id)
        return ModalSubject(
            account=context.name if context is not None else str(cta.account_id),
            title=rule.title if rule is not None else Text(cta.rule_id, cta.rule_id),
        )

    def find_by_message(self, session: Session, channel: str, ts: str) -> Cta | None:
        """The open CTA whose alert is the message ``ts`` in ``channel``. An alert's ``ts`` is learnt
        from its outbox row once sent and then kept on the CTA (``message_ts``)."""
        for cta in repo.open_ctas(session):
            if cta.message_ts is None:
                self.learn_message(session, cta)
            if cta.message_ts == ts and cta.channel_id == channel:
                return cta
        return None

    @staticmethod
    def learn_message(session: Session, cta: Cta) -> None:
        result = outbox.result_for(session, alert_key(cta.id))
        if result is not None and result.get("ts"):
            cta.message_ts = str(result["ts"])
            cta.channel_id = str(result.get("channel") or cta.channel_id)

    def refuse(
        self, session: Session, error: CtaError, *, user_id: str, channel: str | None, key: str
    ) -> None:
        """Tell ``user_id`` (only them) why their action did nothing."""
        cta = repo.get(session, error.cta_id)
        target = channel or (cta.channel_id if cta is not None else None)
        if target is None:
            return
        payload: dict[str, Any] = {
            "channel": target,
            "user": user_id,
            "text": self.t(error.key, **error.params),
        }
        outbox.enqueue(
            session,
            method="chat.postEphemeral",
            payload=payload,
            dedupe_key=f"cta:{error.cta_id}:refused:{key}",
            channel_id=target,
        )
        self._kick_after_commit(session)

    # --- internals ------------------------------------------------------------------------------

    def _alert_row(self, session: Session, cta: Cta) -> int | None:
        """The alert's outbox row, enqueued the first time (idempotent on its key); ``None`` without a
        channel to post in (no segment channel and no default configured)."""
        if cta.channel_id is None:
            logger.warning("CTA %s (%s) has no alert channel: configure cta.channels", cta.id, cta.rule_id)
            return None
        row = outbox.enqueue(
            session,
            method="chat.postMessage",
            payload=self.render(session, cta).payload(cta.channel_id),
            dedupe_key=alert_key(cta.id),
            channel_id=cta.channel_id,
        )
        self._kick_after_commit(session)
        return row.id

    def _kick_after_commit(self, session: Session) -> None:
        if session.info.get(_KICK_FLAG):
            return
        session.info[_KICK_FLAG] = True
        kick = self.kick

        def after_commit(committed: Session) -> None:
            committed.info.pop(_KICK_FLAG, None)
            kick()

        def after_rollback(rolled: Session) -> None:
            rolled.info.pop(_KICK_FLAG, None)

        sa_event.listen(session, "after_commit", after_commit, once=True)
        sa_event.listen(session, "after_soft_rollback", after_rollback, once=True)


# --- escalation ----------------------------------------------------------------------------------


def escalate_untaken(
    session: Session, alerts: CtaAlerts, calendar: BusinessCalendar, *, now: datetime
) -> list[int]:
    """Mention the segment lead in the thread of every alert nobody took within the configured
    business hours (``cta.escalate_after_business_hours``), once per CTA (``escalated_at``).

    Snoozed CTAs wait; a segment without a lead is skipped. Returns the escalated CTA ids.
    """
    hours = alerts.rules.settings.escalate_after_business_hours
    limit = timedelta(hours=hours)
    candidates = [
        cta
        for cta in repo.open_ctas(session)
        if cta.status is CtaStatus.OPEN
        and cta.escalated_at is None
        and (cta.snoozed_until is None or cta.snoozed_until <= now)
    ]
    contexts = repo.account_contexts(session, {cta.account_id for cta in candidates})
    escalated: list[int] = []
    for cta in candidates:
        context = contexts.get(cta.account_id)
        lead = alerts.rules.lead_for(context.segment) if context is not None else None
        if lead is None or calendar.business_hours_between(cta.opened_at, now) < limit:
            continue
        cta.escalated_at = now
        event = repo.add_event(
            session,
            cta,
            CtaEventKind.ESCALATED,
            actor=SYSTEM_ACTOR,
            at=now,
            detail={"lead": lead, "hours": hours},
        )
        session.flush()
        alerts.changed(session, cta, event)
        escalated.append(cta.id)
    return escalated
