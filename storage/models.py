"""The database schema as typed SQLAlchemy models.

Conventions: every timestamp is a :class:`~storage.types.UtcDateTime` (aware UTC in, aware UTC out);
enums are ``StrEnum`` values in checked VARCHARs; JSON is JSONB on PostgreSQL; relationships are
``lazy="raise"`` so every load is explicit (``selectinload``) and never a hidden query in a loop; JSON
columns do not track in-place mutation, so assign a new value to change one. The schema itself is
owned by the Alembic migrations; ``tests/integration/storage`` checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import (
    AccountStatus,
    CtaEventKind,
    CtaPriority,
    CtaStatus,
    CtaUsefulness,
    ExpectationFit,
    FormOutcome,
    JobRunStatus,
    KeyPersonRole,
    NudgeOutcome,
    OutboxStatus,
    RenewalForecast,
    TouchpointKind,
)
from storage.types import UtcDateTime, json_type, str_enum

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Every constraint gets a predictable name: Alembic's SQLite batch mode can only drop named ones."""

SLACK_ID = 32
"""Slack user, channel and team ids are short (U0123ABCD); message ts is "1700000000.123456"."""


def utcnow() -> datetime:
    """Default for ``created_at``-style columns; the one place storage reads the clock by itself."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), date: Date()}  # noqa: RUF012


_renewal_forecast = str_enum(RenewalForecast, "renewal_forecast")


class Account(Base):
    """A customer. ``external_id`` is the CRM's id, the key every import matches on."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_kana: Mapped[str | None] = mapped_column(String(255))
    aliases: Mapped[list[str]] = mapped_column(json_type(), default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_slack_id: Mapped[str | None] = mapped_column(String(SLACK_ID), index=True)
    segment: Mapped[str] = mapped_column(String(32), index=True)
    alert_channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    mrr: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0), server_default="0")
    currency: Mapped[str] = mapped_column(String(3), default="JPY", server_default="JPY")
    plan: Mapped[str | None] = mapped_column(String(64))
    contract_start: Mapped[date | None]
    renewal_date: Mapped[date | None] = mapped_column(index=True)
    onboarding_started_on: Mapped[date | None]
    onboarding_planned_end: Mapped[date | None]
    onboarding_completed_on: Mapped[date | None]
    renewal_forecast: Mapped[RenewalForecast | None] = mapped_column(_renewal_forecast)
    status: Mapped[AccountStatus] = mapped_column(
        str_enum(AccountStatus, "account_status"), default=AccountStatus.ACTIVE
    )
    churned_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    key_people: Mapped[list[KeyPerson]] = relationship(
        back_populates="account", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class KeyPerson(Base):
    """A person on the customer's side (薪): PO, PL, champion, decision maker or opponent."""

    __tablename__ = "key_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[KeyPersonRole] = mapped_column(str_enum(KeyPersonRole, "key_person_role"))
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    department: Mapped[str | None] = mapped_column(String(255))
    in_using_department: Mapped[bool | None]
    since: Mapped[date | None]
    left_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="key_people", lazy="raise")


class Assessment(Base):
    """One CSM's answers after a customer call; ``None`` answers mean "unknown", not "bad"."""

    __tablename__ = "assessments"
    __table_args__ = (Index(None, "account_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    author_slack_id: Mapped[str] = mapped_column(String(SLACK_ID))
    submitted_at: Mapped[datetime]
    call_date: Mapped[date]
    answers: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    renewal_forecast: Mapped[RenewalForecast | None] = mapped_column(_renewal_forecast)
    config_version: Mapped[str] = mapped_column(String(64))


class Touchpoint(Base):
    """送風: one contact we had with the customer."""

    __tablename__ = "touchpoints"
    __table_args__ = (Index(None, "account_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[TouchpointKind] = mapped_column(str_enum(TouchpointKind, "touchpoint_kind"))
    occurred_at: Mapped[datetime]
    author_slack_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    expectation_fit: Mapped[ExpectationFit | None] = mapped_column(
        str_enum(ExpectationFit, "expectation_fit")
    )
    effort_minutes: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    slack_permalink: Mapped[str | None] = mapped_column(String(512))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DailyMetric(Base):
    """One usage number per account, metric and day (焚き火の状態), pulled by the connectors."""

    __tablename__ = "daily_metrics"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


_GRADE_COLUMNS = ("overall_grade", "firewood_grade", "ember_grade", "wind_grade", "fire_grade")


class HealthSnapshot(Base):
    """The day's health of one account: scores 0..100, grades 1..5, ``None`` where unknown."""

    __tablename__ = "health_snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "day"),
        *(CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_range") for column in _GRADE_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    day: Mapped[date]
    overall_score: Mapped[float | None] = mapped_column(Float)
    overall_grade: Mapped[int | None]
    confidence: Mapped[float] = mapped_column(Float)
    firewood_score: Mapped[float | None] = mapped_column(Float)
    firewood_grade: Mapped[int | None]
    ember_score: Mapped[float | None] = mapped_column(Float)
    ember_grade: Mapped[int | None]
    wind_score: Mapped[float | None] = mapped_column(Float)
    wind_grade: Mapped[int | None]
    fire_score: Mapped[float | None] = mapped_column(Float)
    fire_grade: Mapped[int | None]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    """``[{"key": "<i18n key>", "params": {...}}]``: the score explains itself; wording is in i18n."""
    config_version: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


OPEN_CTA_WHERE = text("status IN ('open', 'in_progress')")
"""Partial-index predicate; must match :data:`storage.enums.OPEN_CTA_STATUSES`."""


class Cta(Base):
    """A Call To Action raised by a rule; the partial unique index keeps one open per account and rule."""

    __tablename__ = "ctas"
    __table_args__ = (
        Index(
            "uq_ctas_open_account_id_rule_id",
            "account_id",
            "rule_id",
            unique=True,
            sqlite_where=OPEN_CTA_WHERE,
            postgresql_where=OPEN_CTA_WHERE,
        ),
        Index(None, "account_id", "opened_at"),
        Index(None, "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[CtaStatus] = mapped_column(str_enum(CtaStatus, "cta_status"), default=CtaStatus.OPEN)
    priority: Mapped[CtaPriority] = mapped_column(str_enum(CtaPriority, "cta_priority"))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date]
    owner_slack_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    taken_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    taken_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    snooze_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    usefulness: Mapped[CtaUsefulness | None] = mapped_column(str_enum(CtaUsefulness, "cta_usefulness"))
    channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    escalated_at: Mapped[datetime | None]
    overdue_flagged_at: Mapped[datetime | None]
    config_version: Mapped[str] = mapped_column(String(64))

    events: Mapped[list[CtaEvent]] = relationship(
        back_populates="cta",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CtaEvent.id",
    )


class CtaEvent(Base):
    """The history of a CTA, for per-rule statistics and the completion rate."""

    __tablename__ = "cta_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    cta_id: Mapped[int] = mapped_column(ForeignKey("ctas.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CtaEventKind] = mapped_column(str_enum(CtaEventKind, "cta_event_kind"))
    actor: Mapped[str] = mapped_column(String(64))
    """A Slack user id, or ``"system"``."""
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)

    cta: Mapped[Cta] = relationship(back_populates="events", lazy="raise")


class InboundEvent(Base):
    """Idempotency ledger: Slack retries an event it thinks we missed; the insert lets it apply once."""

    __tablename__ = "inbound_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A Slack Web API call waiting to be made, written in the same transaction as the change behind it.

    ``depends_on_id`` holds a thread reply back until its parent is sent (the reply needs the parent's
    ``ts`` from ``result``); the foreign key has no ON DELETE, so a parent cannot be cleaned up while
    a child still points at it.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(json_type(none_as_null=True))
    depends_on_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class FormSubmission(Base):
    """A form Slack submitted and takibi acked, kept until it is stored (the form inbox).

    The listener writes it right after the ack; a worker (a thread of the app, or its own process under
    ``takibi run``) stores it and marks it finished in one transaction, so a form is stored once even
    when a worker dies half-way (the lease runs out and another takes it).
    """

    __tablename__ = "form_inbox"
    __table_args__ = (Index(None, "finished_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_slack_id: Mapped[str] = mapped_column(String(SLACK_ID))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[FormOutcome | None] = mapped_column(str_enum(FormOutcome, "form_outcome"))
    last_error: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """The once-per-period ledger: a scheduled job claims (job_id, period_key) before it runs."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(32))
    """e.g. ``"2026-11-23"`` for a daily job, ``"2026-W48"`` for a weekly one."""
    status: Mapped[JobRunStatus] = mapped_column(
        str_enum(JobRunStatus, "job_run_status"), default=JobRunStatus.RUNNING
    )
    instance_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    report: Mapped[dict[str, Any] | None] = mapped_column(json_type(none_as_null=True))


class AuditLogEntry(Base):
    """Who changed what: configuration edits, manual overrides, data imports."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)


class NudgePreference(Base):
    """A CSM's nudge settings: a pause (through ``paused_through``, inclusive) and the language they
    last spoke to takibi in (``/takibi nudge``), so their DMs come in it."""

    __tablename__ = "nudge_preferences"

    user_slack_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    paused_through: Mapped[date | None]
    locale: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NudgeRecord(Base):
    """One nudge sent to one CSM on one day: what it listed, and (from the next nudge on) whether any
    of it was fixed. ``streak`` counts the ignored nudges in a row before this one; ``steward_told``
    whether the human steward has been told about that streak."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("user_slack_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_slack_id: Mapped[str] = mapped_column(String(SLACK_ID))
    day: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    items: Mapped[list[str]] = mapped_column(json_type(), default=list)
    """Keys of the items listed (``assess:42``, ``cta:17``)."""
    total: Mapped[int]
    """Items due that day (the DM lists at most ``nudges.max_items`` of them)."""
    outcome: Mapped[NudgeOutcome | None] = mapped_column(str_enum(NudgeOutcome, "nudge_outcome"))
    resolved_on: Mapped[date | None]
    streak: Mapped[int] = mapped_column(default=0)
    steward_told: Mapped[bool] = mapped_column(default=False)
