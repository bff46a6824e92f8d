"""CTA alerts in the team channel: the buttons (担当する, スヌーズ, 完了, 却下), their modals, and the
reactions on the alert (👀 take, ✅ done, 💤 snooze). Every listener acks first, then works; changes
and the Slack messages announcing them commit together (the outbox), and a retried event applies once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers.context import Deps, Translate
from handlers.ids import CtaBlock, CtaButton, CtaCallback, CtaInput
from handlers.services import ctas as service
from handlers.services.access import AccessPolicy
from handlers.services.assess import CtaHooks
from handlers.services.cta_alerts import CtaAlerts
from handlers.services.ctas import CtaAction, CtaError
from handlers.views.cta import (
    SNOOZE_DAYS,
    SNOOZE_REASONS,
    ModalContext,
    dismiss_modal,
    done_modal,
    snooze_modal,
)
from storage.enums import OPEN_CTA_STATUSES, CtaUsefulness
from storage.repositories import ctas as repo
from storage.repositories import inbound

logger = logging.getLogger(__name__)

AfterAck = Callable[..., None]


# --- parsing -------------------------------------------------------------------------------------


class _Id(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str


class _Container(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    message_ts: str | None = None
    channel_id: str | None = None


class _Button(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    action_id: str
    value: str
    action_ts: str | None = None


class ButtonClick(BaseModel):
    """A click on an alert button::

    {"type": "block_actions", "user": {"id": "U…"}, "trigger_id": "…",
     "container": {"type": "message", "message_ts": "…", "channel_id": "C…"},
     "actions": [{"action_id": "cta_take", "value": "42"}]}
    """

    model_config = ConfigDict(extra="ignore", frozen=True)
    user: _Id
    trigger_id: str | None = None
    container: _Container = _Container()
    actions: tuple[_Button, ...]

    @property
    def cta_id(self) -> int | None:
        value = self.actions[0].value if self.actions else ""
        return int(value) if value.isdigit() else None


class _ReactionItem(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    type: str
    channel: str = ""
    ts: str = ""


class Reaction(BaseModel):
    """``{"type": "reaction_added", "user": "U…", "reaction": "eyes",
    "item": {"type": "message", "channel": "C…", "ts": "…"}}``"""

    model_config = ConfigDict(extra="ignore", frozen=True)
    user: str
    reaction: str
    item: _ReactionItem


class SnoozeInput(BaseModel):
    days: int
    reason: str


class CloseInput(BaseModel):
    reason: str | None = None
    usefulness: CtaUsefulness | None = None


def _selected(values: dict[str, Any], block: CtaBlock, action: CtaInput) -> str | None:
    state = values.get(block, {}).get(action, {})
    option = state.get("selected_option") if isinstance(state, dict) else None
    return str(option["value"]) if isinstance(option, dict) and "value" in option else None


def _typed(values: dict[str, Any], block: CtaBlock, action: CtaInput) -> str:
    state = values.get(block, {}).get(action, {})
    value = state.get("value") if isinstance(state, dict) else None
    return value.strip() if isinstance(value, str) else ""


def parse_snooze(values: dict[str, Any]) -> SnoozeInput | dict[str, str]:
    """The snooze modal's state: days (1/3/7) and a reason code, or the free text for "other"."""
    days = _selected(values, CtaBlock.SNOOZE_DAYS, CtaInput.DAYS)
    reason = _selected(values, CtaBlock.SNOOZE_REASON, CtaInput.REASON)
    note = _typed(values, CtaBlock.SNOOZE_NOTE, CtaInput.NOTE)
    if days is None or not days.isdigit() or int(days) not in SNOOZE_DAYS:
        return {CtaBlock.SNOOZE_DAYS: "cta.error.pick_one"}
    if reason not in SNOOZE_REASONS:
        return {CtaBlock.SNOOZE_REASON: "cta.error.pick_one"}
    if reason == "other":
        if not note:
            return {CtaBlock.SNOOZE_NOTE: "cta.error.note_required"}
        return SnoozeInput(days=int(days), reason=note)
    return SnoozeInput(days=int(days), reason=reason)


def parse_close(values: dict[str, Any], *, reason_required: bool) -> CloseInput | dict[str, str]:
    reason = _typed(values, CtaBlock.DISMISS_REASON, CtaInput.REASON) or None
    if reason_required and reason is None:
        return {CtaBlock.DISMISS_REASON: "cta.error.reason_required"}
    usefulness = _selected(values, CtaBlock.USEFULNESS, CtaInput.USEFULNESS)
    try:
        return CloseInput(reason=reason, usefulness=usefulness)
    except ValidationError:
        return {CtaBlock.USEFULNESS: "cta.error.pick_one"}


# --- applying a transition -----------------------------------------------------------------------

Transition = Callable[..., Any]


def _apply(
    deps: Deps,
    alerts: CtaAlerts,
    cta_id: int,
    transition: Callable[[Any], Any],
    *,
    user_id: str,
    channel: str | None,
    refusal_key: str,
    event_id: str | None = None,
    message_ts: str | None = None,
) -> None:
    """One unit of work: claim the event (if any), apply, announce (or refuse, ephemerally)."""
    with deps.database.unit_of_work(immediate=True) as session:
        if event_id is not None and not inbound.claim_event(session, event_id, "reaction_added"):
            return
        try:
            event = transition(session)
        except CtaError as error:
            alerts.refuse(session, error, user_id=user_id, channel=channel, key=refusal_key)
            return
        cta = repo.get(session, cta_id)
        assert cta is not None
        if cta.message_ts is None and message_ts is not None:
            cta.message_ts = message_ts
        session.flush()
        alerts.changed(session, cta, event)


def take_clicked(ack: Ack, body: dict[str, Any], deps: Deps, context: BoltContext, later: AfterAck) -> None:
    ack()
    click = _click(body)
    if click is None or click.cta_id is None:
        return
    alerts: CtaAlerts = context["cta_alerts"]
    cta_id, user = click.cta_id, click.user.id
    work = partial(
        _apply,
        deps,
        alerts,
        cta_id,
        lambda session: service.take(session, cta_id, user_id=user, now=deps.now()),
        user_id=user,
        channel=click.container.channel_id,
        refusal_key=f"take:{user}:{body.get('actions', [{}])[0].get('action_ts', '')}",
        message_ts=click.container.message_ts,
    )
    later(work, describe=f"take CTA {cta_id}")


def _click(body: dict[str, Any]) -> ButtonClick | None:
    try:
        return ButtonClick.model_validate(body)
    except ValidationError:
        return None


def modal_clicked(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    context: BoltContext,
) -> None:
    """スヌーズ / 完了 / 却下: open the modal, unless the CTA is closed or (to close) the user may not."""
    ack()
    click = _click(body)
    if click is None or click.cta_id is None or click.trigger_id is None:
        return
    alerts: CtaAlerts = context["cta_alerts"]
    action = click.actions[0].action_id
    user, cta_id = click.user.id, click.cta_id
    closing = action in (CtaButton.DONE, CtaButton.DISMISS)
    with deps.database.unit_of_work() as session:
        cta = repo.get(session, cta_id)
        error: CtaError | None = None
        if cta is None:
            error = service.CtaNotFoundError(cta_id)
        elif cta.status not in OPEN_CTA_STATUSES:
            error = service.IllegalTransitionError(cta_id, status=cta.status, action=CtaAction.DONE)
        elif closing and cta.owner_slack_id != user and not access.is_admin(user):
            error = service.NotAllowedError(cta_id, user_id=user, action=CtaAction.DONE)
        subject = alerts.subject(session, cta) if cta is not None and error is None else None
    if error is not None or subject is None:
        # A write of its own, taken as one from the start: on SQLite a read transaction that turns
        # into a write can fail at once ("database is locked") while the deliverer holds the lock.
        with deps.database.unit_of_work(immediate=True) as session:
            alerts.refuse(
                session,
                error or service.CtaNotFoundError(cta_id),
                user_id=user,
                channel=click.container.channel_id,
                key=f"{action}:{user}:{click.actions[0].action_ts or ''}",
            )
        return
    meta = ModalContext(cta_id=cta_id, locale=t.locale, channel_id=click.container.channel_id)
    build = {CtaButton.SNOOZE: snooze_modal, CtaButton.DONE: done_modal, CtaButton.DISMISS: dismiss_modal}
    client.views_open(trigger_id=click.trigger_id, view=build[CtaButton(action)](t, subject, meta))


def _modal_context(body: dict[str, Any]) -> tuple[ModalContext, dict[str, Any], str] | None:
    view = body.get("view") if isinstance(body.get("view"), dict) else None
    user = body.get("user", {}).get("id")
    if view is None or not isinstance(user, str):
        return None
    try:
        raw = json.loads(view.get("private_metadata") or "")
        meta = ModalContext(int(raw["cta_id"]), str(raw["locale"]), raw.get("channel_id"))
    except (ValueError, KeyError, TypeError):
        return None
    values = view.get("state", {}).get("values", {})
    return meta, values if isinstance(values, dict) else {}, user


def submitted(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    context: BoltContext,
    later: AfterAck,
) -> None:
    """A CTA modal submitted: invalid input answers in the ack; the transition runs after it."""
    found = _modal_context(body)
    if found is None:
        ack()
        return
    meta, values, user = found
    alerts: CtaAlerts = context["cta_alerts"]
    callback = CtaCallback(body["view"]["callback_id"])
    now = deps.now()
    transition: Callable[[Any], Any]
    if callback is CtaCallback.SNOOZE:
        snooze = parse_snooze(values)
        if isinstance(snooze, dict):
            ack(response_action="errors", errors={b: t(k) for b, k in snooze.items()})
            return
        until = now.astimezone(deps.tz).date() + timedelta(days=snooze.days)

        def transition(session: Any) -> Any:
            return service.snooze(
                session, meta.cta_id, user_id=user, until=until, tz=deps.tz, now=now, reason=snooze.reason
            )

    else:
        closing = parse_close(values, reason_required=callback is CtaCallback.DISMISS)
        if isinstance(closing, dict):
            ack(response_action="errors", errors={b: t(k) for b, k in closing.items()})
            return
        admin = access.is_admin(user)
        if callback is CtaCallback.DONE:

            def transition(session: Any) -> Any:
                return service.complete(
                    session, meta.cta_id, user_id=user, is_admin=admin, now=now, usefulness=closing.usefulness
                )

        else:

            def transition(session: Any) -> Any:
                return service.dismiss(
                    session,
                    meta.cta_id,
                    user_id=user,
                    is_admin=admin,
                    reason=closing.reason or "",
                    now=now,
                    usefulness=closing.usefulness,
                )

    ack()
    work = partial(
        _apply,
        deps,
        alerts,
        meta.cta_id,
        transition,
        user_id=user,
        channel=meta.channel_id,
        refusal_key=f"{callback.value}:{user}:{body['view'].get('id', '')}",
    )
    later(work, describe=f"{callback.value} CTA {meta.cta_id}")


def reacted(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    event: dict[str, Any],
    deps: Deps,
    access: AccessPolicy,
    context: BoltContext,
    later: AfterAck,
) -> None:
    """👀 take, ✅ done, 💤 snooze (``cta.reactions`` / ``cta.snooze_days``) on an alert; any other
    reaction or message is ignored. A retried event (same ``event_id``) applies once."""
    ack()
    alerts: CtaAlerts = context["cta_alerts"]
    try:
        reaction = Reaction.model_validate(event)
    except ValidationError:
        return
    names = alerts.reactions()
    if reaction.item.type != "message" or reaction.reaction not in (names.take, names.done, names.snooze):
        return
    event_id = str(body.get("event_id") or "")
    if not event_id:
        return
    later(partial(_react, deps, access, alerts, reaction, event_id), describe=f"reaction {event_id}")


def _react(deps: Deps, access: AccessPolicy, alerts: CtaAlerts, reaction: Reaction, event_id: str) -> None:
    names, user, now = alerts.reactions(), reaction.user, deps.now()
    with deps.database.unit_of_work(immediate=True) as session:
        cta = alerts.find_by_message(session, reaction.item.channel, reaction.item.ts)
        cta_id = cta.id if cta is not None else None
    if cta_id is None:
        return
    transition: Callable[[Any], Any]
    if reaction.reaction == names.take:

        def transition(session: Any) -> Any:
            return service.take(session, cta_id, user_id=user, now=now)

    elif reaction.reaction == names.done:
        admin = access.is_admin(user)

        def transition(session: Any) -> Any:
            return service.complete(session, cta_id, user_id=user, is_admin=admin, now=now)

    else:
        until = now.astimezone(deps.tz).date() + timedelta(days=names.snooze_days)

        def transition(session: Any) -> Any:
            return service.snooze(session, cta_id, user_id=user, until=until, tz=deps.tz, now=now)

    _apply(
        deps,
        alerts,
        cta_id,
        transition,
        user_id=user,
        channel=reaction.item.channel,
        refusal_key=event_id,
        event_id=event_id,
    )


def attach(app: App, alerts: CtaAlerts) -> None:
    """Give listeners the alerts (``cta_alerts``) and make CTA evaluation after a change post alerts:
    the ``ctas`` hooks the surface middleware put in the context get ``alerts`` as their notifier.
    Called by the composition root after ``bot.middleware.install``."""

    @app.middleware
    def attach_cta_alerts(context: BoltContext, next: Callable[[], None]) -> None:
        context["cta_alerts"] = alerts
        hooks = context.get("ctas")
        if isinstance(hooks, CtaHooks):
            context["ctas"] = CtaHooks(hooks.engine, alerts)
        next()


def register(app: App) -> None:
    app.action(CtaButton.TAKE)(take_clicked)
    for button in (CtaButton.SNOOZE, CtaButton.DONE, CtaButton.DISMISS):
        app.action(button)(modal_clicked)
    for callback in CtaCallback:
        app.view(callback)(submitted)
    app.event("reaction_added")(reacted)
