"""The closed vocabularies stored in the database.

Values are what the database holds (lower snake case), so renaming a member is free but changing a
value needs a migration.
"""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    ACTIVE = "active"
    CHURNED = "churned"


class RenewalForecast(StrEnum):
    """更新ヨミ: the CSM's call on the renewal."""

    LIKELY = "likely"
    UNCERTAIN = "uncertain"
    UNLIKELY = "unlikely"


class KeyPersonRole(StrEnum):
    PO = "po"
    PL = "pl"
    CHAMPION = "champion"
    DECISION_MAKER = "decision_maker"
    OPPONENT = "opponent"


class TouchpointKind(StrEnum):
    REGULAR_MEETING = "regular_meeting"
    VISIT = "visit"
    CALL = "call"
    EMAIL = "email"
    CHAT = "chat"
    WEBINAR = "webinar"
    OTHER = "other"


class ExpectationFit(StrEnum):
    """お節介 / ハッピー / がっかり: what we delivered against what the customer expected."""

    OVER = "over"
    FIT = "fit"
    UNDER = "under"


class CtaStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DISMISSED = "dismissed"
    AUTO_CLOSED = "auto_closed"
    EXPIRED = "expired"


OPEN_CTA_STATUSES: frozenset[CtaStatus] = frozenset({CtaStatus.OPEN, CtaStatus.IN_PROGRESS})
"""A CTA in one of these counts as open: at most one per (account, rule)."""


class CtaPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class CtaUsefulness(StrEnum):
    USEFUL = "useful"
    FALSE_ALARM = "false_alarm"
    TOO_EARLY = "too_early"


class CtaEventKind(StrEnum):
    OPENED = "opened"
    TAKEN = "taken"
    SNOOZED = "snoozed"
    WOKE = "woke"
    DONE = "done"
    DISMISSED = "dismissed"
    AUTO_CLOSED = "auto_closed"
    EXPIRED = "expired"
    ESCALATED = "escalated"
    OVERDUE = "overdue"
    FEEDBACK = "feedback"
    REASSIGNED = "reassigned"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


class FormOutcome(StrEnum):
    """How a submitted form left the inbox."""

    STORED = "stored"
    REFUSED = "refused"
    """Valid when acked, no longer storable (the account was churned or deleted in between)."""
    FAILED = "failed"
    """Every attempt raised; the user was told, with an error id."""


class JobRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class NudgeOutcome(StrEnum):
    """What became of a nudge, decided when the next one goes out (``None`` until then)."""

    FIXED = "fixed"
    IGNORED = "ignored"
