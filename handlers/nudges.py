"""``/takibi nudge [off 3d | off 1w | off until 2026-12-01 | on]``: see, pause or resume one's own
nudges, answered ephemerally (through the command's ``response_url``) in the reader's language, after
the command entry point has acked. Any use also remembers the reader's language for their DMs."""

from __future__ import annotations

from functools import partial

from slack_bolt import Respond
from slack_sdk import WebClient

from handlers.context import Deps, Translate
from handlers.forms import SlashCommandInput
from handlers.services import nudges as service
from handlers.services.access import AccessPolicy
from handlers.surface import AfterAck, ModalOpener, in_one_write, today
from handlers.views.nudges import pause_message, pause_usage
from scoring.nudges import PauseParseError, parse_pause


def run_nudge(
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
    day = today(deps)
    try:
        request = parse_pause(command.argument, day)
    except PauseParseError as error:
        respond(**pause_usage(t, error.key, dict(error.params)).to_payload(), response_type="ephemeral")
        return
    state = in_one_write(
        deps.database,
        partial(
            service.apply_pause, user=command.user_id, request=request, locale=str(t.locale), now=deps.now()
        ),
    )
    message = pause_message(
        t,
        paused_through=state.paused_through,
        today=day,
        changed=state.changed,
        enabled=deps.config.nudges.enabled,
    )
    respond(**message.to_payload(), response_type="ephemeral")
