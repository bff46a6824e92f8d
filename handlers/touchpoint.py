"""Logging a touchpoint (送風): the message shortcut "touchpoint として記録" on any message, and the
status card's "log a touchpoint" button. Same shape as assessing: ack, open "loading…", fill in;
validate the submission before its ack, store after it, then confirm."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from handlers.context import Deps, Translate
from handlers.errors import UserFacingError
from handlers.forms import (
    ActionInput,
    FormError,
    InvalidFormError,
    MessageShortcutInput,
    TouchpointSubmission,
    parse_action,
    parse_message_shortcut,
    parse_touchpoint,
)
from handlers.ids import Action, Callback, Shortcut, TouchpointBlock
from handlers.metadata import MetadataError, TouchpointMetadata
from handlers.services import assess as service
from handlers.services.access import AccessPolicy
from handlers.services.assess import CtaHooks
from handlers.surface import AfterAck, ModalOpener, in_one_write, refresh_home_later, tell, today
from handlers.views.common import notice_modal, rule_label
from handlers.views.touchpoint import TouchpointForm, touchpoint_modal, touchpoint_saved
from storage.enums import TouchpointKind

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 120
TITLE = "touchpoint.title"


def _touchpoint_view(
    form: TouchpointForm, metadata: TouchpointMetadata, *, reader: str, t: Translate, access: AccessPolicy
) -> View:
    try:
        access.require_member(reader)
    except UserFacingError as refusal:
        return notice_modal(t, TITLE, t(refusal.key, **refusal.params))
    return touchpoint_modal(t, form, metadata.encode())


def log_from_message(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    modals: ModalOpener,
) -> None:
    """The message shortcut: the message's permalink (``chat.getPermalink``) goes with the touchpoint."""
    ack()
    shortcut = parse_message_shortcut(body)
    if shortcut is None:
        return
    build = partial(_view_for_message, client, shortcut, t=t, deps=deps, access=access)
    modals.open(client, shortcut.trigger_id, t, build, title_key=TITLE, describe="touchpoint modal")


def _view_for_message(
    client: WebClient,
    shortcut: MessageShortcutInput,
    *,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
) -> View:
    permalink: str | None = None
    try:
        answer = client.chat_getPermalink(channel=shortcut.channel.id, message_ts=shortcut.message.ts)
        permalink = str(answer["permalink"])
    except SlackApiError as error:
        logger.info("no permalink for %s: %s", shortcut.message.ts, error.response.get("error"))
    posted = shortcut.posted_at
    day = datetime.fromtimestamp(posted, UTC).astimezone(deps.tz).date() if posted else today(deps)
    form = TouchpointForm(
        day=min(day, today(deps)),
        kind=TouchpointKind.CHAT,
        permalink=permalink,
        excerpt=shortcut.message.text[:EXCERPT_CHARS] or None,
    )
    metadata = TouchpointMetadata(locale=t.locale, channel_id=shortcut.channel.id, permalink=permalink)
    return _touchpoint_view(form, metadata, reader=shortcut.user_id, t=t, access=access)


def log_from_button(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    modals: ModalOpener,
) -> None:
    """The status card's button: value = the account id."""
    ack()
    action = parse_action(body)
    if action is None or action.trigger_id is None:
        return
    build = partial(_view_for_account, action, t=t, deps=deps, access=access)
    modals.open(client, action.trigger_id, t, build, title_key=TITLE, describe="touchpoint modal")


def _view_for_account(action: ActionInput, *, t: Translate, deps: Deps, access: AccessPolicy) -> View:
    account_id = action.account_id()
    account = None
    if account_id is not None:
        with deps.database.unit_of_work() as session:
            found = service.active_brief(session, account_id)
        account = found.option(action.user_id) if found is not None else None
    form = TouchpointForm(day=today(deps), account=account)
    metadata = TouchpointMetadata(locale=t.locale, channel_id=action.channel_id, account_id=account_id)
    return _touchpoint_view(form, metadata, reader=action.user_id, t=t, access=access)


def submit_touchpoint(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    ctas: CtaHooks,
    later: AfterAck,
) -> None:
    """Validate (errors in the ack, nothing stored), ack, then store and confirm after the ack."""
    user = body.get("user")
    reader = str(user.get("id", "")) if isinstance(user, dict) else ""
    raw_view = body.get("view")
    view: dict[str, Any] = raw_view if isinstance(raw_view, dict) else {}
    try:
        metadata = TouchpointMetadata.decode(view.get("private_metadata"))
        submission = _validated(view, reader=reader, deps=deps, access=access)
    except MetadataError:
        ack(response_action="errors", errors={TouchpointBlock.ACCOUNT: t("form.error.stale_view")})
        return
    except InvalidFormError as invalid:
        ack(response_action="errors", errors={b: t(e.key, **e.params) for b, e in invalid.errors.items()})
        return
    ack()
    store = partial(
        _store_and_confirm,
        client,
        submission,
        metadata,
        reader=reader,
        t=t,
        deps=deps,
        access=access,
        ctas=ctas,
        later=later,
    )
    later(store, describe="touchpoint")


def _store_and_confirm(
    client: WebClient,
    submission: TouchpointSubmission,
    metadata: TouchpointMetadata,
    *,
    reader: str,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    ctas: CtaHooks,
    later: AfterAck,
) -> None:
    now = deps.now()
    record = partial(
        service.record_touchpoint,
        compiled=deps.scoring,
        hooks=ctas,
        submission=submission,
        author=reader,
        permalink=metadata.permalink,
        now=now,
        tz=deps.tz,
    )
    try:
        outcome = in_one_write(deps.database, record)
    except Exception:
        error_id = secrets.token_hex(4)
        logger.exception("touchpoint %s of account %s not stored", error_id, submission.account_id)
        tell(client, reader, metadata.channel_id, text=t("error.unexpected", error_id=error_id))
        return
    message = touchpoint_saved(t, deps.scoring.scale, outcome, rule_label(t, deps.config))
    tell(client, reader, metadata.channel_id, message=message)
    refresh_home_later(later, client, reader, t=t, deps=deps, access=access)


def _validated(
    view: dict[str, Any], *, reader: str, deps: Deps, access: AccessPolicy
) -> TouchpointSubmission:
    if not access.is_member(reader):
        raise InvalidFormError({TouchpointBlock.ACCOUNT: FormError("access.not_member")})
    state = view.get("state")
    submission = parse_touchpoint(state.get("values") if isinstance(state, dict) else None, today=today(deps))
    with deps.database.unit_of_work() as session:
        service.check_touchpoint(session, submission)
    return submission


def register(app: App) -> None:
    app.shortcut(Shortcut.LOG_TOUCHPOINT)(log_from_message)
    app.action(Action.OPEN_TOUCHPOINT)(log_from_button)
    app.view(Callback.TOUCHPOINT)(submit_touchpoint)
