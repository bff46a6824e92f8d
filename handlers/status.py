"""``/takibi status <account>``, ``/takibi mine`` and ``/takibi ctas``: ephemeral answers through the
command's ``response_url``, after the command entry point has acked."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.context import Deps, Translate
from handlers.forms import SlashCommandInput, parse_action
from handlers.ids import Action
from handlers.services import home as service
from handlers.services.access import AccessPolicy
from handlers.surface import AfterAck, ModalOpener
from handlers.views import Message
from handlers.views.common import rule_label
from handlers.views.mine import ctas_message, mine_message
from handlers.views.status import status_card, status_matches, status_not_found


def _today(deps: Deps) -> Any:
    return deps.now().astimezone(deps.tz).date()


def _card(account_id: int, *, t: Translate, deps: Deps) -> Message | None:
    with deps.database.unit_of_work() as session:
        card = service.status_card(
            session,
            account_id,
            today=_today(deps),
            max_age_days=deps.config.assessment_max_age_days,
            tz=deps.tz,
        )
    if card is None:
        return None
    return status_card(t, deps.config, deps.scoring.scale, card, rule_label(t, deps.config))


def run_status(
    command: SlashCommandInput,
    *,
    respond: Respond,
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    later: AfterAck,
    modals: ModalOpener,
) -> None:
    access.require_member(command.user_id)
    query = command.argument
    if not query:
        respond(**status_not_found(t, query).to_payload(), response_type="ephemeral")
        return
    with deps.database.unit_of_work() as session:
        matches = service.find_accounts(session, query, reader=command.user_id)
    message = None
    if len(matches) == 1:
        message = _card(matches[0].id, t=t, deps=deps)
    elif matches:
        message = status_matches(t, query, matches)
    respond(**(message or status_not_found(t, query)).to_payload(), response_type="ephemeral")


def status_picked(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack, body: dict[str, Any], respond: Respond, t: Translate, deps: Deps, access: AccessPolicy
) -> None:
    """A button of an ambiguous ``status``: the list is replaced by that account's card."""
    ack()
    action = parse_action(body)
    account_id = action.account_id() if action is not None else None
    if action is None or account_id is None:
        return
    access.require_member(action.user_id)
    message = _card(account_id, t=t, deps=deps) or status_not_found(t, "")
    respond(**message.to_payload(), response_type="ephemeral", replace_original=True)


def run_mine(
    command: SlashCommandInput,
    *,
    respond: Respond,
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    later: AfterAck,
    modals: ModalOpener,
) -> None:
    access.require_member(command.user_id)
    today = _today(deps)
    max_age = deps.config.assessment_max_age_days
    with deps.database.unit_of_work() as session:
        accounts = service.my_accounts(session, command.user_id, today=today, max_age_days=max_age)
    message = mine_message(t, deps.scoring.scale, accounts, today=today, max_age_days=max_age)
    respond(**message.to_payload(), response_type="ephemeral")


def run_ctas(
    command: SlashCommandInput,
    *,
    respond: Respond,
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    later: AfterAck,
    modals: ModalOpener,
) -> None:
    access.require_member(command.user_id)
    with deps.database.unit_of_work() as session:
        ctas = service.my_ctas(session, command.user_id, today=_today(deps))
    respond(**ctas_message(t, ctas, rule_label(t, deps.config)).to_payload(), response_type="ephemeral")


def register(app: App) -> None:
    app.action(re.compile(rf"^{Action.STATUS_PICK}(:\d+)?$"))(status_picked)
