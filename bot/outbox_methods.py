"""How each Slack Web API method leaves the outbox, and how a post whose answer was lost is found again.

A method is an :class:`OutboxMethod`: ``send`` makes the call(s) and returns the small ``result`` the
row keeps (``{"channel": "C…", "ts": "…"}`` for a message), ``find`` looks for an earlier call that
went through without us learning so, and ``fill`` names the payload fields a dependent row takes from
its parent's result. :data:`DEFAULT_METHODS` covers what takibi sends today; ``Deliverer.register``
adds more (the weekly digest's chart upload will).

Exactly once for messages: every ``chat.postMessage`` carries message metadata naming its outbox row::

    {"event_type": "takibi_outbox", "event_payload": {"outbox_id": 42, "dedupe_key": "cta:7:alert"}}

so after an unknown outcome ``find`` reads the channel (or thread) back with ``include_all_metadata``
and recognises the message. The other methods need no search: ``chat.update`` and ``views.publish`` set
a state (sending twice leaves the same result) and ``reactions.add`` answers ``already_reacted`` the
second time, which counts as success.

Ephemerals cannot be reconciled: Slack offers no way to read one back. An unknown outcome resends it:
a rare duplicate note, seen by one user and gone on reload, is better than a lost answer to a click.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from storage.repositories.outbox import Claim

JsonDict = dict[str, Any]

OUTBOX_EVENT_TYPE = "takibi_outbox"
"""The ``event_type`` of the metadata a post carries when its payload brings none of its own."""

CLOCK_SKEW = timedelta(minutes=5)
"""Search history this far before the row was created: our clock and Slack's may differ a little."""

HISTORY_PAGE = 200
USER_ID_PREFIXES = ("U", "W")
"""A ``channel`` that is a user id (``U…``, or ``W…`` on Enterprise Grid) means a DM with that user."""


@dataclass(frozen=True)
class Delivery:
    """A claimed row ready to send: ``payload`` has the parent's channel/ts filled in."""

    claim: Claim
    payload: JsonDict

    @property
    def marker(self) -> JsonDict:
        return {"outbox_id": self.claim.id, "dedupe_key": self.claim.dedupe_key}


SendFn = Callable[[WebClient, Delivery], JsonDict]
FindFn = Callable[[WebClient, Delivery], JsonDict | None]


@dataclass(frozen=True)
class OutboxMethod:
    """How one method is delivered.

    ``send`` raises ``SlackApiError`` or a network error on failure (the deliverer sorts them out), and
    turns an error that means "already done" (``already_reacted``) into success itself. ``find`` is
    ``None`` when resending after an unknown outcome is harmless (or, for ephemerals, the accepted
    risk). ``fill`` maps a payload field to the parent-result fields to take it from (first present
    wins), used only where the payload leaves the field out: a dependent post is a reply in the
    parent's thread, a dependent update edits the parent.
    """

    send: SendFn
    find: FindFn | None = None
    fill: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class ParentResultError(ValueError):
    """A dependent row needs a field its parent's result does not have (wrong parent method)."""


def prepare(claim: Claim, method: OutboxMethod) -> Delivery:
    """Fill what the payload leaves to the parent (a reply's ``thread_ts``, an update's ``ts``)."""
    payload = dict(claim.payload)
    parent = claim.parent_result
    if parent is not None:
        for target, sources in method.fill.items():
            if payload.get(target) in (None, ""):
                found = next((parent[s] for s in sources if parent.get(s)), None)
                if found is None:
                    raise ParentResultError(f"parent result has none of {sources} for {target!r}")
                payload[target] = found
    return Delivery(claim, payload)


def outbox_metadata(delivery: Delivery) -> JsonDict:
    """The payload's own metadata with the outbox marker added, or the ``takibi_outbox`` marker alone."""
    given = delivery.payload.get("metadata")
    if isinstance(given, Mapping) and given.get("event_type"):
        event_payload = given.get("event_payload")
        merged = {**(event_payload if isinstance(event_payload, Mapping) else {}), **delivery.marker}
        return {"event_type": given["event_type"], "event_payload": merged}
    return {"event_type": OUTBOX_EVENT_TYPE, "event_payload": delivery.marker}


def carries_marker(message: Mapping[str, Any], delivery: Delivery) -> bool:
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping):
        return False
    event_payload = metadata.get("event_payload")
    if not isinstance(event_payload, Mapping):
        return False
    return all(event_payload.get(key) == value for key, value in delivery.marker.items())


def is_user_id(channel: str) -> bool:
    return channel.startswith(USER_ID_PREFIXES)


def conversation_for(client: WebClient, channel: str) -> str:
    """A channel id as given, or for a user id the DM with that user (opened if needed).

    Opening first (rather than posting to the user id) gives a ``D…`` id that the history can be read
    from when the post must be reconciled. ``conversations.open`` is idempotent.
    """
    if not is_user_id(channel):
        return channel
    answer = client.conversations_open(users=channel)
    return str(answer["channel"]["id"])


# ---- chat.postMessage -----------------------------------------------------------------------------


def post_message(client: WebClient, delivery: Delivery) -> JsonDict:
    """``chat.postMessage`` with the outbox marker; result ``{"channel", "ts"[, "thread_ts"]}``."""
    payload = dict(delivery.payload)
    payload["channel"] = conversation_for(client, str(payload["channel"]))
    payload["metadata"] = outbox_metadata(delivery)
    answer = client.api_call("chat.postMessage", json=payload)
    return _message_result(str(answer["channel"]), str(answer["ts"]), payload.get("thread_ts"))


def find_message(client: WebClient, delivery: Delivery) -> JsonDict | None:
    """The post carrying this row's marker, if it reached Slack: a thread reply is looked for in the
    thread (``conversations.replies``), a top-level post in the channel's history since the row was
    created (less :data:`CLOCK_SKEW`). Reads every page of that window, so a miss is a real miss."""
    channel = conversation_for(client, str(delivery.payload["channel"]))
    thread_ts = delivery.payload.get("thread_ts")
    for message in _read_back(client, channel, thread_ts, delivery):
        if carries_marker(message, delivery):
            return _message_result(channel, str(message["ts"]), thread_ts)
    return None


def _read_back(
    client: WebClient, channel: str, thread_ts: Any, delivery: Delivery
) -> Iterator[Mapping[str, Any]]:
    oldest = f"{(delivery.claim.created_at - CLOCK_SKEW).timestamp():.6f}"
    cursor: str | None = None
    while True:
        if thread_ts:
            page = client.conversations_replies(
                channel=channel,
                ts=str(thread_ts),
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                cursor=cursor,
            )
        else:
            page = client.conversations_history(
                channel=channel,
                oldest=oldest,
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                cursor=cursor,
            )
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _message_result(channel: str, ts: str, thread_ts: Any) -> JsonDict:
    result: JsonDict = {"channel": channel, "ts": ts}
    if thread_ts:
        result["thread_ts"] = str(thread_ts)
    return result


# ---- the idempotent ones --------------------------------------------------------------------------


def update_message(client: WebClient, delivery: Delivery) -> JsonDict:
    """``chat.update``: sets the message's content, so a resend is harmless."""
    answer = client.api_call("chat.update", json=delivery.payload)
    return {"channel": str(answer["channel"]), "ts": str(answer["ts"])}


def publish_view(client: WebClient, delivery: Delivery) -> JsonDict:
    """``views.publish``: replaces the user's Home tab, so a resend is harmless."""
    answer = client.api_call("views.publish", json=delivery.payload)
    view = answer.get("view") or {}
    return {"user_id": str(delivery.payload.get("user_id")), "view_id": str(view.get("id", ""))}


def add_reaction(client: WebClient, delivery: Delivery) -> JsonDict:
    """``reactions.add``: the second time Slack answers ``already_reacted``, which is success here."""
    try:
        client.api_call("reactions.add", json=delivery.payload)
    except SlackApiError as error:
        if error.response.status_code != 200 or error.response.get("error") != "already_reacted":
            raise
    payload = delivery.payload
    return {"channel": str(payload["channel"]), "ts": str(payload["timestamp"]), "name": str(payload["name"])}


def post_ephemeral(client: WebClient, delivery: Delivery) -> JsonDict:
    """``chat.postEphemeral``: cannot be read back, so never reconciled (see the module docstring)."""
    payload = dict(delivery.payload)
    payload["channel"] = conversation_for(client, str(payload["channel"]))
    answer = client.api_call("chat.postEphemeral", json=payload)
    return {"channel": payload["channel"], "message_ts": str(answer.get("message_ts", ""))}


_IN_THREAD = {"channel": ("channel",), "thread_ts": ("thread_ts", "ts")}
"""A reply goes under the thread's root: Slack asks not to thread on a reply's own ts."""
_ON_MESSAGE = {"channel": ("channel",), "ts": ("ts",)}

DEFAULT_METHODS: Mapping[str, OutboxMethod] = {
    "chat.postMessage": OutboxMethod(post_message, find=find_message, fill=_IN_THREAD),
    "chat.update": OutboxMethod(update_message, fill=_ON_MESSAGE),
    "chat.postEphemeral": OutboxMethod(post_ephemeral, fill=_IN_THREAD),
    "views.publish": OutboxMethod(publish_view),
    "reactions.add": OutboxMethod(add_reaction, fill={"channel": ("channel",), "timestamp": ("ts",)}),
}
"""What takibi sends through the outbox today."""
