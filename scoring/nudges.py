"""The steward's nudges (運用担当大臣), as plain data in and plain data out.

Given every active account (its owner and the date of its last assessment), the overdue CTAs, who has
paused their nudges and the last nudge each CSM got, :func:`plan_nudges` says, for one business day:

* what each CSM is asked to fix: accounts never assessed (``missing``) or assessed longer ago than
  ``stale_after_days`` (``stale``), and CTAs past their due date (``overdue_cta``), most urgent first,
  at most ``max_items`` of them listed (the rest only counted);
* what became of each CSM's previous nudge: ``fixed`` when at least one of the items it listed is no
  longer due, ``ignored`` when every one of them still is;
* whom to tell the human steward about: a CSM whose last ``escalate_after_ignored`` nudges in a row
  were ignored, once per such streak (fixing anything ends the streak).

A paused CSM gets nothing, and their previous nudge waits unresolved until the next one actually goes
out (a pause is not "ignoring"). :func:`roll_call` counts fresh / stale / missing assessments per
owner for the team channel. :func:`parse_pause` reads ``/takibi nudge off 1w`` and friends.

An item's ``key`` names what must be fixed, not its state: ``assess:42`` for an account whichever of
missing or stale it is, ``cta:17`` for a CTA; the keys of a nudge are what is stored and compared.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from scoring.freshness import is_fresh

MAX_PAUSE_DAYS = 90
"""A pause is a break, not an exit: at most about three months."""


class ItemKind(StrEnum):
    MISSING = "missing"
    """Never assessed."""
    STALE = "stale"
    """The last assessment is older than ``stale_after_days``."""
    OVERDUE_CTA = "overdue_cta"
    """An open CTA past its due date."""


_ORDER = {ItemKind.OVERDUE_CTA: 0, ItemKind.MISSING: 1, ItemKind.STALE: 2}


class Outcome(StrEnum):
    FIXED = "fixed"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """An active account as the steward sees it."""

    account_id: int
    name: str
    owner: str | None
    segment: str
    last_assessed: date | None
    """The call date of its latest assessment; ``None``: never assessed."""


@dataclass(frozen=True, slots=True)
class OverdueCta:
    """An open CTA past its due date (and not snoozed), with who is expected to act on it."""

    cta_id: int
    account_id: int
    account_name: str
    rule_id: str
    owner: str
    due_on: date


@dataclass(frozen=True, slots=True)
class NudgeItem:
    """One thing a CSM is asked to fix. ``since``: the last assessment (stale) or the due date (CTA)."""

    kind: ItemKind
    account_id: int
    account_name: str
    since: date | None = None
    cta_id: int | None = None
    rule_id: str | None = None

    @property
    def key(self) -> str:
        return f"cta:{self.cta_id}" if self.cta_id is not None else f"assess:{self.account_id}"


@dataclass(frozen=True, slots=True)
class PreviousNudge:
    """The latest nudge a CSM got before today, not yet resolved.

    ``streak``: how many nudges in a row were ignored just before this one; ``steward_told``: whether
    the steward was already told about that streak.
    """

    user: str
    day: date
    items: frozenset[str]
    streak: int = 0
    steward_told: bool = False


@dataclass(frozen=True, slots=True)
class NudgePolicy:
    stale_after_days: int
    include_overdue_ctas: bool = True
    max_items: int = 10
    escalate_after_ignored: int = 3
    steward: str | None = None


@dataclass(frozen=True, slots=True)
class CsmNudge:
    """Today's DM to one CSM. ``streak``: ignored nudges in a row before this one."""

    user: str
    items: tuple[NudgeItem, ...]
    total: int
    streak: int = 0
    steward_told: bool = False

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)


@dataclass(frozen=True, slots=True)
class Resolution:
    user: str
    day: date
    """The day of the nudge resolved."""
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Escalation:
    """Tell the steward: ``user``'s last ``ignored`` nudges changed nothing; ``open_items`` still due."""

    steward: str
    user: str
    ignored: int
    open_items: int


@dataclass(frozen=True, slots=True)
class NudgePlan:
    today: date
    nudges: tuple[CsmNudge, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    paused: tuple[str, ...] = ()
    """CSMs with something due who are pausing their nudges today."""


def due_items(
    accounts: Iterable[AccountFacts], overdue: Iterable[OverdueCta], *, today: date, policy: NudgePolicy
) -> dict[str, list[NudgeItem]]:
    """Everything due per CSM, most urgent first: overdue CTAs (oldest due date first), accounts never
    assessed, then stale ones (oldest first). Accounts without an owner are nobody's to nudge."""
    due: dict[str, list[NudgeItem]] = {}
    if policy.include_overdue_ctas:
        for cta in overdue:
            if cta.due_on < today:
                due.setdefault(cta.owner, []).append(
                    NudgeItem(
                        ItemKind.OVERDUE_CTA,
                        cta.account_id,
                        cta.account_name,
                        since=cta.due_on,
                        cta_id=cta.cta_id,
                        rule_id=cta.rule_id,
                    )
                )
    for account in accounts:
        if account.owner is None:
            continue
        if account.last_assessed is None:
            kind = ItemKind.MISSING
        elif not is_fresh(account.last_assessed, today, policy.stale_after_days):
            kind = ItemKind.STALE
        else:
            continue
        due.setdefault(account.owner, []).append(
            NudgeItem(kind, account.account_id, account.name, since=account.last_assessed)
        )
    for items in due.values():
        items.sort(key=_urgency)
    return due


def _urgency(item: NudgeItem) -> tuple[int, date, str, int]:
    return (_ORDER[item.kind], item.since or date.min, item.account_name, item.cta_id or item.account_id)


def is_paused(paused_through: date | None, today: date) -> bool:
    return paused_through is not None and today <= paused_through


def plan_nudges(
    accounts: Iterable[AccountFacts],
    overdue: Iterable[OverdueCta],
    *,
    today: date,
    policy: NudgePolicy,
    paused: Mapping[str, date] | None = None,
    previous: Mapping[str, PreviousNudge] | None = None,
) -> NudgePlan:
    """Today's nudges, what became of the previous ones, and whom to tell the steward about.

    ``paused``: CSM → last paused day (inclusive); ``previous``: CSM → their latest unresolved nudge
    from before today.
    """
    pauses = paused or {}
    history = {user: nudge for user, nudge in (previous or {}).items() if nudge.day < today}
    due = due_items(accounts, overdue, today=today, policy=policy)
    nudges: list[CsmNudge] = []
    resolutions: list[Resolution] = []
    escalations: list[Escalation] = []
    on_break: list[str] = []
    for user in sorted(set(due) | set(history)):
        if is_paused(pauses.get(user), today):
            if user in due:
                on_break.append(user)
            continue
        items = due.get(user, [])
        streak, told = 0, False
        last = history.get(user)
        if last is not None:
            still_due = {item.key for item in items}
            ignored = bool(last.items) and last.items <= still_due
            resolutions.append(Resolution(user, last.day, Outcome.IGNORED if ignored else Outcome.FIXED))
            if ignored:
                streak, told = last.streak + 1, last.steward_told
        if not items:
            continue
        if (
            policy.steward is not None
            and streak >= policy.escalate_after_ignored
            and not told
            and user != policy.steward
        ):
            escalations.append(Escalation(policy.steward, user, streak, len(items)))
            told = True
        shown = tuple(items[: policy.max_items])
        nudges.append(CsmNudge(user, shown, len(items), streak=streak, steward_told=told))
    return NudgePlan(
        today=today,
        nudges=tuple(nudges),
        resolutions=tuple(resolutions),
        escalations=tuple(escalations),
        paused=tuple(on_break),
    )


# --- the roll-call ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageLine:
    """One owner's accounts by freshness of their assessment (``owner`` ``None``: nobody's)."""

    owner: str | None
    fresh: int = 0
    stale: int = 0
    missing: int = 0

    @property
    def accounts(self) -> int:
        return self.fresh + self.stale + self.missing

    @property
    def share(self) -> float:
        return self.fresh / self.accounts if self.accounts else 0.0


@dataclass(frozen=True, slots=True)
class RollCall:
    lines: tuple[CoverageLine, ...] = ()

    @property
    def total(self) -> CoverageLine:
        return CoverageLine(
            None,
            fresh=sum(line.fresh for line in self.lines),
            stale=sum(line.stale for line in self.lines),
            missing=sum(line.missing for line in self.lines),
        )


def roll_call(
    accounts: Iterable[AccountFacts],
    *,
    today: date,
    stale_after_days: int,
    segments: Collection[str] | None = None,
) -> RollCall:
    """Fresh / stale / missing per owner, of the accounts in ``segments`` (``None``: all). Owners come
    in a fixed order (by id, nobody's last), never ranked: a roll-call, not a league table."""
    counts: dict[str | None, list[int]] = {}
    for account in accounts:
        if segments is not None and account.segment not in segments:
            continue
        row = counts.setdefault(account.owner, [0, 0, 0])
        if account.last_assessed is None:
            row[2] += 1
        elif is_fresh(account.last_assessed, today, stale_after_days):
            row[0] += 1
        else:
            row[1] += 1
    owners = sorted(counts, key=lambda owner: (owner is None, owner or ""))
    return RollCall(tuple(CoverageLine(owner, *counts[owner]) for owner in owners))


# --- pausing -----------------------------------------------------------------------------------------


class PauseAction(StrEnum):
    STATUS = "status"
    OFF = "off"
    ON = "on"


@dataclass(frozen=True, slots=True)
class PauseRequest:
    """``/takibi nudge …`` understood: show the status, pause through ``through`` (inclusive), resume."""

    action: PauseAction
    through: date | None = None


class PauseParseError(ValueError):
    """What was typed cannot be read: a catalog key and its values."""

    def __init__(self, key: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.params: Mapping[str, object] = params or {}


_DURATION = re.compile(r"^(\d{1,3})\s*(d|day|days|日|日間|w|wk|week|weeks|週|週間)$")
_WEEK_UNITS = frozenset({"w", "wk", "week", "weeks", "週", "週間"})
_UNTIL = frozenset({"until", "till", "まで"})


def parse_pause(argument: str, today: date) -> PauseRequest:
    """``""``/``status`` → status; ``on`` → resume; ``off 3d`` / ``off 1w`` / ``off 2w`` /
    ``off until 2026-12-01`` (or ``off 2026-12-01``) → pause through a day (inclusive), at most
    ``MAX_PAUSE_DAYS`` ahead. ``off 1w`` on Tuesday pauses through Monday: the next Tuesday's nudge
    comes again. Raises ``PauseParseError`` with a catalog key."""
    words = argument.strip().lower().split()
    if not words or words == ["status"]:
        return PauseRequest(PauseAction.STATUS)
    if words == ["on"]:
        return PauseRequest(PauseAction.ON)
    if words[0] != "off":
        raise PauseParseError("nudges.pause.usage")
    rest = [word for word in words[1:] if word not in _UNTIL]
    if len(rest) != 1:
        raise PauseParseError("nudges.pause.usage")
    spec = rest[0]
    match = _DURATION.match(spec)
    if match is not None:
        count = int(match.group(1))
        days = count * 7 if match.group(2) in _WEEK_UNITS else count
        if days < 1:
            raise PauseParseError("nudges.pause.usage")
        through = today + timedelta(days=days - 1)
    else:
        try:
            through = date.fromisoformat(spec.replace("/", "-"))
        except ValueError:
            raise PauseParseError("nudges.pause.usage") from None
        if through < today:
            raise PauseParseError("nudges.pause.past", {"day": through})
    if (through - today).days >= MAX_PAUSE_DAYS:
        raise PauseParseError("nudges.pause.too_long", {"days": MAX_PAUSE_DAYS})
    return PauseRequest(PauseAction.OFF, through)
