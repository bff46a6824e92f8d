"""Assessing an account: ``/takibi assess [account]``, the "assess" buttons, the account picker, the
modal's submission.

Every listener acks first. Opening a modal spends a trigger id that Slack honours for 3 seconds: the
form is built after the ack and opened in one ``views.open``, or, when it is late, "loading…" opens in
time and the form replaces it (``handlers.surface.ModalOpener``). A submission is
validated *before* its ack, because errors go back in the ack (``response_action="errors"``) and
nothing is stored; a valid one is acked (the modal closes) and put in the form inbox
(``handlers.inbox``), from where it is stored in one unit of work and confirmed to the CSM (ephemeral
where the command was typed, else by DM).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from handlers.context import Deps, Translate
from handlers.errors import UserFacingError
from handlers.forms import (
    AssessSubmission,
    FormError,
    InvalidFormError,
    SlashCommandInput,
    parse_action,
    parse_assess,
)
from handlers.ids import Action, AssessBlock, Callback
from handlers.inbox import FormInbox
from handlers.metadata import AssessMetadata, MetadataError
from handlers.services import assess as service
from handlers.services.access import AccessPolicy
from handlers.services.assess import CtaHooks
from handlers.services.picker import account_options
from handlers.surface import AfterAck, ModalOpener, refresh_home_later, replace_modal, tell, today
from handlers.views.assess import assess_modal, assess_saved
from handlers.views.common import notice_modal, rule_label
from handlers.views.picker import account_options as option_blocks
from storage.repositories.form_inbox import FormClaim

logger = logging.getLogger(__name__)

# --- opening the modal ---------------------------------------------------------------------------


def assess_view(
    *,
    reader: str,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    account_id: int | None,
    channel_id: str | None,
    argument: str = "",
) -> View:
    """The assess form for ``account_id`` (or the account ``argument`` names), or a polite refusal for
    someone who is not on the CS team."""
    try:
        access.require_member(reader)
    except UserFacingError as refusal:
        return notice_modal(t, "assess.title", t(refusal.key, **refusal.params))
    with deps.database.read_only() as connection:
        if account_id is None and argument:
            named = service.command_account(connection, argument, reader=reader)
            account_id = named.id if named is not None else None
        form = service.load_form(
            connection,
            account_id,
            reader=reader,
            access=access,
            today=today(deps),
            question_ids=[q.id for q in deps.config.questions],
        )
    metadata = AssessMetadata(
        locale=t.locale, account_id=form.account.id if form.account else None, channel_id=channel_id
    )
    return assess_modal(t, deps.config, form, metadata.encode())


def run_assess(
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
    """``/takibi assess [account]`` (already acked by the command entry point)."""
    if not command.trigger_id:
        raise UserFacingError("error.no_trigger")
    build = partial(
        assess_view,
        reader=command.user_id,
        t=t,
        deps=deps,
        access=access,
        account_id=None,
        channel_id=command.channel_id,
        argument=command.argument,
    )
    modals.open(client, command.trigger_id, t, build, title_key="assess.title", describe="assess modal")


def open_from_button(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    modals: ModalOpener,
) -> None:
    """An "assess" button (status card, App Home): value = the account id."""
    ack()
    action = parse_action(body)
    if action is None or action.trigger_id is None:
        return
    build = partial(
        assess_view,
        reader=action.user_id,
        t=t,
        deps=deps,
        access=access,
        account_id=action.account_id(),
        channel_id=action.channel_id,
    )
    modals.open(client, action.trigger_id, t, build, title_key="assess.title", describe="assess modal")


def account_picked(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    later: AfterAck,
) -> None:
    """An account picked in the open modal (``dispatch_action``): refill it with that account's values."""
    ack()
    action = parse_action(body)
    if action is None or action.view is None:
        return
    try:
        metadata = AssessMetadata.decode(action.view.private_metadata)
    except MetadataError:
        logger.info("account picked in a view without our metadata; ignored")
        return
    build = partial(
        assess_view,
        reader=action.user_id,
        t=t,
        deps=deps,
        access=access,
        account_id=action.account_id(),
        channel_id=metadata.channel_id,
    )
    refill = partial(
        replace_modal,
        client,
        action.view.id,
        action.view.hash,
        t,
        build,
        title_key="assess.title",
        describe="assess modal refill",
    )
    later(refill, describe="assess modal refill")


def suggest_accounts(ack: Ack, body: dict[str, Any], deps: Deps, access: AccessPolicy) -> None:
    """Type-ahead in any account picker (``block_suggestion``): at most 100 options, own accounts first.

    ``{"type": "block_suggestion", "user": {"id": "U…"}, "action_id": "account", "value": "カミナ", ...}``
    """
    user = body.get("user")
    reader = user.get("id") if isinstance(user, dict) else None
    query = body.get("value")
    if not isinstance(reader, str) or not access.is_member(reader):
        ack(options=[])
        return
    with deps.database.unit_of_work() as session:
        found = account_options(session, query if isinstance(query, str) else "", reader=reader)
    ack(options=option_blocks(found))


# --- the submission ------------------------------------------------------------------------------


def submit_assess(  # noqa: PLR0917 - Bolt passes arguments by name
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    t: Translate,
    deps: Deps,
    access: AccessPolicy,
    forms: FormInbox,
) -> None:
    """Validate (errors in the ack, nothing stored), ack, then put the form in the inbox (on disk within
    milliseconds), from where whoever drains the inbox stores and confirms it."""
    reader = _reader(body)
    raw_view = body.get("view")
    view: dict[str, Any] = raw_view if isinstance(raw_view, dict) else {}
    try:
        metadata = AssessMetadata.decode(view.get("private_metadata"))
        values = _state_values(view)
        _validated(values, metadata, reader=reader, deps=deps, access=access)
    except MetadataError:
        ack(response_action="errors", errors={AssessBlock.ACCOUNT: t("form.error.stale_view")})
        return
    except InvalidFormError as invalid:
        ack(response_action="errors", errors={b: t(e.key, **e.params) for b, e in invalid.errors.items()})
        return
    ack()

    def not_written(error_id: str) -> None:
        tell(client, reader, metadata.channel_id, text=t("error.unexpected", error_id=error_id))

    forms.put(ASSESS_FORM, reader, AssessForm.payload(values, metadata, today(deps)), not_written=not_written)


def _reader(body: dict[str, Any]) -> str:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if isinstance(user_id, str) else ""


def _state_values(view: dict[str, Any]) -> object:
    state = view.get("state")
    return state.get("values") if isinstance(state, dict) else None


def _validated(
    values: object, metadata: AssessMetadata, *, reader: str, deps: Deps, access: AccessPolicy
) -> AssessSubmission:
    if not access.is_member(reader):
        raise InvalidFormError({AssessBlock.ACCOUNT: FormError("access.not_member")})
    submission = parse_assess(
        values, deps.config.questions, today=today(deps), rendered_for=metadata.account_id
    )
    with deps.database.read_only() as connection:
        service.check_submission(connection, submission, reader=reader, access=access)
    return submission


ASSESS_FORM = "assess"


@dataclass(frozen=True)
class AssessForm:
    """Stores an acked assess form from the inbox (``handlers.inbox.FormKind``) and confirms it to the
    CSM: the new grade, the change, the CTAs opened or cleared (ephemeral where the command was typed,
    else by DM)."""

    client: WebClient
    deps: Deps
    access: AccessPolicy
    ctas: CtaHooks
    later: AfterAck
    translator: Callable[[str], Translate]
    """A translator for a locale code ("ja", "en"): the reader's, as the modal recorded it."""

    @staticmethod
    def payload(values: object, metadata: AssessMetadata, day: date) -> dict[str, Any]:
        """The form as Slack sent it (``view.state.values``), parsed again when stored, against the day
        it was submitted on (a call date "today" stays valid past midnight)."""
        return {"values": values, "metadata": metadata.encode(), "today": day.isoformat()}

    def store(self, session: Session, claim: FormClaim) -> Callable[[], None]:
        metadata = AssessMetadata.decode(claim.payload["metadata"])
        submission = parse_assess(
            claim.payload["values"],
            self.deps.config.questions,
            today=date.fromisoformat(claim.payload["today"]),
            rendered_for=metadata.account_id,
        )
        outcome = service.submit(
            session,
            self.deps.scoring,
            self.ctas,
            submission,
            author=claim.user_slack_id,
            now=self.deps.now(),
            tz=self.deps.tz,
        )
        return partial(self._confirm, outcome, claim.user_slack_id, metadata)

    def _confirm(self, outcome: service.AssessOutcome, reader: str, metadata: AssessMetadata) -> None:
        t = self.translator(metadata.locale)
        message = assess_saved(t, self.deps.scoring.scale, outcome, rule_label(t, self.deps.config))
        tell(self.client, reader, metadata.channel_id, message=message)
        refresh_home_later(self.later, self.client, reader, t=t, deps=self.deps, access=self.access)

    def refused(self, claim: FormClaim, refusal: InvalidFormError) -> None:
        metadata = AssessMetadata.decode(claim.payload["metadata"])
        t = self.translator(metadata.locale)
        text = "\n".join(t(error.key, **error.params) for error in refusal.errors.values())
        tell(self.client, claim.user_slack_id, metadata.channel_id, text=text)

    def failed(self, claim: FormClaim, error_id: str) -> None:
        metadata = AssessMetadata.decode(claim.payload["metadata"])
        t = self.translator(metadata.locale)
        tell(
            self.client,
            claim.user_slack_id,
            metadata.channel_id,
            text=t("error.unexpected", error_id=error_id),
        )


def register(app: App) -> None:
    app.view(Callback.ASSESS)(submit_assess)
    app.block_action({"block_id": AssessBlock.ACCOUNT, "action_id": Action.ACCOUNT})(account_picked)
    app.block_action(Action.OPEN_ASSESS)(open_from_button)
    app.options(Action.ACCOUNT)(suggest_accounts)
