"""The story: what the CS team does on which simulated day, between the scheduled jobs.

Kept lean so the demo stays well under two minutes: a handful of scenes over the first two weeks,
each one thing a CSM really does — take an alert, assess an account after a call and submit the
modal, look up an account, close an alert with a reaction, snooze one, dismiss one with a reason.
Which alert a scene acts on is whatever the rules raised for that person (see ``people.open_alerts``):
the story does not depend on knowing the app's output in advance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.demo.people import Alert, Person, open_alerts
from bot.demo.world import DemoWorld
from handlers.ids import CtaButton, CtaCallback

JsonDict = dict[str, Any]
Echo = Callable[[str], None]

SATO, SUZUKI, EMILY, JAMES, TAKAHASHI = "U0SATO", "U0SUZUKI", "U0EMILY", "U0JAMES", "U0TAKAHASHI"
ASSESS_CALLBACK = "assess"


@dataclass
class Stage:
    """What a scene plays on: the world, the narration, and the alerts already acted on."""

    world: DemoWorld
    echo: Echo
    at: datetime
    used: set[str] = field(default_factory=set)

    def person(self, user_id: str) -> Person:
        return Person(self.world, user_id)

    def say(self, key: str, **params: Any) -> None:
        self.echo(self.world.t(key, at=self.at, **params))

    def alert_for(self, owner: str | None) -> Alert | None:
        """The oldest alert with buttons not acted on yet in the demo, the owner's if any."""
        channels = list(self.world.takibi.config.cta.channels.values())
        alerts = [
            a
            for a in open_alerts(self.world.standin, list(dict.fromkeys(channels)))
            if a.cta_id not in self.used
        ]
        mine = [a for a in alerts if a.owner == owner]
        candidates = mine or alerts
        if not candidates:
            return None
        self.used.add(candidates[0].cta_id)
        return candidates[0]

    def channel_name(self, channel_id: str) -> str:
        return f"#{self.world.standin.channel_name(channel_id) or channel_id}"


@dataclass(frozen=True, slots=True)
class Scene:
    day: int
    """Days after the first day."""
    hour: int
    minute: int
    play: Callable[[Stage], None]


def _label(block: Mapping[str, Any]) -> str:
    return str((block.get("label") or {}).get("text", block.get("block_id", "")))


def describe(view: Mapping[str, Any], changes: Mapping[str, str | Sequence[str] | None]) -> str:
    """``PO の関与: 4 …, 接点の種類: 訪問`` — the changed inputs as the person saw them."""
    parts: list[str] = []
    for block in view.get("blocks") or ():
        if block.get("type") != "input":
            continue
        block_id = str(block["block_id"])
        key = next((k for k in changes if block_id == k or block_id.startswith(k + ":")), None)
        if key is None:
            continue
        value = changes[key]
        element = block["element"]
        options = list(element.get("options") or ())
        for group in element.get("option_groups") or ():
            options.extend(group.get("options") or ())
        shown = next((o["text"]["text"] for o in options if o.get("value") == value), value)
        parts.append(f"{_label(block)}: {shown}")
    return ", ".join(parts)


# --- scenes ------------------------------------------------------------------------------------


def take_alert(user_id: str) -> Callable[[Stage], None]:
    def play(stage: Stage) -> None:
        person = stage.person(user_id)
        alert = stage.alert_for(user_id)
        if alert is None:
            stage.say("demo.scene.no_alert", user=person.name)
            return
        button = alert.button(CtaButton.TAKE) or {}
        label = str((button.get("text") or {}).get("text", ""))
        stage.say(
            "demo.scene.click",
            user=person.name,
            channel=stage.channel_name(alert.channel),
            alert=alert.account,
            button=label,
        )
        person.click(alert, CtaButton.TAKE)
        stage.world.settle()

    return play


def react_done(user_id: str) -> Callable[[Stage], None]:
    def play(stage: Stage) -> None:
        person = stage.person(user_id)
        alert = stage.alert_for(user_id)
        if alert is None:
            stage.say("demo.scene.no_alert", user=person.name)
            return
        reaction = stage.world.takibi.config.cta.reactions.done
        stage.say(
            "demo.scene.react",
            user=person.name,
            channel=stage.channel_name(alert.channel),
            alert=alert.account,
            reaction=reaction,
        )
        person.react(alert, reaction)

    return play


def _modal_on_alert(
    stage: Stage, person: Person, alert: Alert, button: CtaButton, callback: CtaCallback
) -> JsonDict | None:
    view = person.open_modal(lambda: person.click(alert, button), callback)
    if view is None:
        stage.say("demo.scene.no_modal", user=person.name)
    return view


def snooze(user_id: str, days: int, reason: str) -> Callable[[Stage], None]:
    def play(stage: Stage) -> None:
        person = stage.person(user_id)
        alert = stage.alert_for(user_id)
        if alert is None:
            stage.say("demo.scene.no_alert", user=person.name)
            return
        button = alert.button(CtaButton.SNOOZE) or {}
        stage.say(
            "demo.scene.click",
            user=person.name,
            channel=stage.channel_name(alert.channel),
            alert=alert.account,
            button=str((button.get("text") or {}).get("text", "")),
        )
        view = _modal_on_alert(stage, person, alert, CtaButton.SNOOZE, CtaCallback.SNOOZE)
        if view is None:
            return
        changes = {"cta_snooze_days": str(days), "cta_snooze_reason": reason}
        stage.say("demo.scene.submit", user=person.name, changes=describe(view, changes))
        person.submit(view, changes)

    return play


def dismiss(user_id: str, reason_key: str) -> Callable[[Stage], None]:
    def play(stage: Stage) -> None:
        person = stage.person(user_id)
        alert = stage.alert_for(user_id)
        if alert is None:
            stage.say("demo.scene.no_alert", user=person.name)
            return
        button = alert.button(CtaButton.DISMISS) or {}
        stage.say(
            "demo.scene.click",
            user=person.name,
            channel=stage.channel_name(alert.channel),
            alert=alert.account,
            button=str((button.get("text") or {}).get("text", "")),
        )
        view = _modal_on_alert(stage, person, alert, CtaButton.DISMISS, CtaCallback.DISMISS)
        if view is None:
            return
        changes = {"cta_dismiss_reason": stage.world.t(reason_key), "cta_usefulness": "false_alarm"}
        stage.say("demo.scene.submit", user=person.name, changes=describe(view, changes))
        person.submit(view, changes)

    return play


def assess(
    user_id: str, account: str, channel: str, changes: Mapping[str, str], note_key: str
) -> Callable[[Stage], None]:
    """After a call: ``/takibi assess <account>``, change a few answers, record the call, submit."""

    def play(stage: Stage) -> None:
        person = stage.person(user_id)
        stage.say("demo.scene.assess", user=person.name, command=f"/takibi assess {account}")
        view = person.open_modal(
            lambda: stage.world.slack.slash_command(f"assess {account}", user_id=user_id, channel_id=channel),
            ASSESS_CALLBACK,
        )
        if view is None:
            stage.say("demo.scene.no_modal", user=person.name)
            return
        filled = {**changes, "note": stage.world.t(note_key)}
        stage.say("demo.scene.submit", user=person.name, changes=describe(view, filled))
        if not person.submit(view, filled):
            stage.say("demo.scene.refused", user=person.name)

    return play


def status(user_id: str, account: str, channel: str) -> Callable[[Stage], None]:
    def play(stage: Stage) -> None:
        person = stage.person(user_id)
        stage.say("demo.scene.command", user=person.name, command=f"/takibi status {account}")
        person.command(f"status {account}", channel)

    return play


CALL = {"tp_kind": "visit", "tp_fit": "fit", "tp_effort": "60"}

SCENES: tuple[Scene, ...] = (
    Scene(1, 10, 30, take_alert(SUZUKI)),
    Scene(
        1,
        15,
        0,
        assess(
            JAMES,
            "北斗ロジスティクス",
            "C0CSEP",
            {"person_name:po": "森 健二", "question:po_engagement": "4", **CALL},
            "demo.text.note_hokuto",
        ),
    ),
    Scene(1, 15, 10, status(JAMES, "北斗ロジスティクス", "C0CSEP")),
    Scene(2, 11, 0, react_done(SATO)),
    Scene(2, 15, 0, snooze(EMILY, 3, "waiting")),
    Scene(3, 10, 30, dismiss(SUZUKI, "demo.text.dismiss_reason")),
    Scene(
        3,
        16,
        0,
        assess(
            SATO,
            "ひかり食品",
            "C0CSMM",
            {"question:pl_engagement": "4", "question:pl_in_user_department": "yes", **CALL},
            "demo.text.note_hikari",
        ),
    ),
    Scene(8, 11, 0, take_alert(TAKAHASHI)),
    Scene(
        8,
        14,
        0,
        assess(
            JAMES,
            "菱和プラント",
            "C0CSMM",
            {"question:open_opposition": "no", **CALL},
            "demo.text.note_ryowa",
        ),
    ),
    Scene(8, 14, 10, status(JAMES, "菱和プラント", "C0CSMM")),
)
