"""Initial schema: accounts, the bonfire inputs, health, CTAs, and the delivery/ledger tables.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23

A frozen snapshot: nothing here imports the models or the enums, so later changes to them cannot
change what this revision does. Enums are VARCHAR(32) plus a named CHECK (no native PostgreSQL enum),
timestamps are ``timestamptz``, JSON is JSONB on PostgreSQL; every constraint and index is named
explicitly, as SQLite batch migrations need.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENEWAL_FORECASTS = ("likely", "uncertain", "unlikely")
OPEN_CTA_WHERE = sa.text("status IN ('open', 'in_progress')")


def _json(*, nullable: bool = False) -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=nullable).with_variant(postgresql.JSONB(none_as_null=nullable), "postgresql")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum_column(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(32), nullable=nullable)


def _one_of(table: str, column: str, values: Sequence[str], check: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{check}"))


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_kana", sa.String(255), nullable=True),
        sa.Column("aliases", _json(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("owner_slack_id", sa.String(32), nullable=True),
        sa.Column("segment", sa.String(32), nullable=False),
        sa.Column("alert_channel_id", sa.String(32), nullable=True),
        sa.Column("mrr", sa.Numeric(14, 2), server_default="0", nullable=False),
        sa.Column("currency", sa.String(3), server_default="JPY", nullable=False),
        sa.Column("plan", sa.String(64), nullable=True),
        sa.Column("contract_start", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("onboarding_started_on", sa.Date(), nullable=True),
        sa.Column("onboarding_planned_end", sa.Date(), nullable=True),
        sa.Column("onboarding_completed_on", sa.Date(), nullable=True),
        _enum_column("renewal_forecast", nullable=True),
        _enum_column("status"),
        sa.Column("churned_on", sa.Date(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("external_id", name=op.f("uq_accounts_external_id")),
        _one_of("accounts", "renewal_forecast", RENEWAL_FORECASTS, "renewal_forecast"),
        _one_of("accounts", "status", ("active", "churned"), "account_status"),
    )
    op.create_index(op.f("ix_accounts_owner_slack_id"), "accounts", ["owner_slack_id"])
    op.create_index(op.f("ix_accounts_renewal_date"), "accounts", ["renewal_date"])
    op.create_index(op.f("ix_accounts_segment"), "accounts", ["segment"])

    op.create_table(
        "key_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _enum_column("role"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("title", sa.String(255), nullable=True),
        sa.Column("department", sa.String(255), nullable=True),
        sa.Column("in_using_department", sa.Boolean(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_people")),
        _account_fk("key_people"),
        _one_of(
            "key_people", "role", ("po", "pl", "champion", "decision_maker", "opponent"), "key_person_role"
        ),
    )
    op.create_index(op.f("ix_key_people_account_id"), "key_people", ["account_id"])

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("author_slack_id", sa.String(32), nullable=False),
        sa.Column("submitted_at", _timestamp(), nullable=False),
        sa.Column("call_date", sa.Date(), nullable=False),
        sa.Column("answers", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _enum_column("renewal_forecast", nullable=True),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        _account_fk("assessments"),
        _one_of("assessments", "renewal_forecast", RENEWAL_FORECASTS, "renewal_forecast"),
    )
    op.create_index(
        op.f("ix_assessments_account_id_submitted_at"), "assessments", ["account_id", "submitted_at"]
    )

    op.create_table(
        "touchpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _enum_column("kind"),
        sa.Column("occurred_at", _timestamp(), nullable=False),
        sa.Column("author_slack_id", sa.String(32), nullable=True),
        _enum_column("expectation_fit", nullable=True),
        sa.Column("effort_minutes", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("slack_permalink", sa.String(512), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoints")),
        _account_fk("touchpoints"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_touchpoints_assessment_id_assessments"),
            ondelete="SET NULL",
        ),
        _one_of(
            "touchpoints",
            "kind",
            ("regular_meeting", "visit", "call", "email", "chat", "webinar", "other"),
            "touchpoint_kind",
        ),
        _one_of("touchpoints", "expectation_fit", ("over", "fit", "under"), "expectation_fit"),
    )
    op.create_index(
        op.f("ix_touchpoints_account_id_occurred_at"), "touchpoints", ["account_id", "occurred_at"]
    )
    op.create_index(op.f("ix_touchpoints_assessment_id"), "touchpoints", ["assessment_id"])

    op.create_table(
        "daily_metrics",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("metric_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "metric_id", "day", name=op.f("pk_daily_metrics")),
        _account_fk("daily_metrics"),
    )

    grade_columns = ("overall_grade", "firewood_grade", "ember_grade", "wind_grade", "fire_grade")
    op.create_table(
        "health_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("overall_score", sa.Float(), nullable=True),
        sa.Column("overall_grade", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("firewood_score", sa.Float(), nullable=True),
        sa.Column("firewood_grade", sa.Integer(), nullable=True),
        sa.Column("ember_score", sa.Float(), nullable=True),
        sa.Column("ember_grade", sa.Integer(), nullable=True),
        sa.Column("wind_score", sa.Float(), nullable=True),
        sa.Column("wind_grade", sa.Integer(), nullable=True),
        sa.Column("fire_score", sa.Float(), nullable=True),
        sa.Column("fire_grade", sa.Integer(), nullable=True),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("computed_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_snapshots")),
        _account_fk("health_snapshots"),
        sa.UniqueConstraint("account_id", "day", name=op.f("uq_health_snapshots_account_id_day")),
        *(
            sa.CheckConstraint(f"{column} BETWEEN 1 AND 5", name=op.f(f"ck_health_snapshots_{column}_range"))
            for column in grade_columns
        ),
    )

    op.create_table(
        "ctas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        _enum_column("status"),
        _enum_column("priority"),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("opened_at", _timestamp(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner_slack_id", sa.String(32), nullable=True),
        sa.Column("taken_by", sa.String(32), nullable=True),
        sa.Column("taken_at", _timestamp(), nullable=True),
        sa.Column("snoozed_until", _timestamp(), nullable=True),
        sa.Column("snooze_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", _timestamp(), nullable=True),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        _enum_column("usefulness", nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("escalated_at", _timestamp(), nullable=True),
        sa.Column("overdue_flagged_at", _timestamp(), nullable=True),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ctas")),
        _account_fk("ctas"),
        _one_of(
            "ctas",
            "status",
            ("open", "in_progress", "done", "dismissed", "auto_closed", "expired"),
            "cta_status",
        ),
        _one_of("ctas", "priority", ("high", "medium", "low"), "cta_priority"),
        _one_of("ctas", "usefulness", ("useful", "false_alarm", "too_early"), "cta_usefulness"),
    )
    op.create_index(op.f("ix_ctas_account_id_opened_at"), "ctas", ["account_id", "opened_at"])
    op.create_index(op.f("ix_ctas_status_due_on"), "ctas", ["status", "due_on"])
    # One open CTA per (account, rule): a rule that fires again while its CTA is open is a no-op.
    op.create_index(
        op.f("uq_ctas_open_account_id_rule_id"),
        "ctas",
        ["account_id", "rule_id"],
        unique=True,
        sqlite_where=OPEN_CTA_WHERE,
        postgresql_where=OPEN_CTA_WHERE,
    )

    op.create_table(
        "cta_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cta_id", sa.Integer(), nullable=False),
        _enum_column("kind"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("detail", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cta_events")),
        sa.ForeignKeyConstraint(
            ["cta_id"], ["ctas.id"], name=op.f("fk_cta_events_cta_id_ctas"), ondelete="CASCADE"
        ),
        _one_of(
            "cta_events",
            "kind",
            (
                "opened",
                "taken",
                "snoozed",
                "woke",
                "done",
                "dismissed",
                "auto_closed",
                "expired",
                "escalated",
                "overdue",
                "feedback",
                "reassigned",
            ),
            "cta_event_kind",
        ),
    )
    op.create_index(op.f("ix_cta_events_cta_id"), "cta_events", ["cta_id"])

    op.create_table(
        "inbound_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbound_events")),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        _enum_column("status"),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _timestamp(), nullable=False),
        sa.Column("lease_until", _timestamp(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", _json(nullable=True), nullable=True),
        sa.Column("depends_on_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("sent_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
        sa.ForeignKeyConstraint(
            ["depends_on_id"], ["outbox.id"], name=op.f("fk_outbox_depends_on_id_outbox")
        ),
        _one_of("outbox", "status", ("pending", "sending", "sent", "failed", "dead"), "outbox_status"),
    )
    op.create_index(op.f("ix_outbox_depends_on_id"), "outbox", ["depends_on_id"])
    op.create_index(op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("period_key", sa.String(32), nullable=False),
        _enum_column("status"),
        sa.Column("instance_id", sa.String(128), nullable=False),
        sa.Column("started_at", _timestamp(), nullable=False),
        sa.Column("finished_at", _timestamp(), nullable=True),
        sa.Column("report", _json(nullable=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job_id", "period_key", name=op.f("uq_job_runs_job_id_period_key")),
        _one_of("job_runs", "status", ("running", "succeeded", "failed"), "job_run_status"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("detail", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_entity_entity_id"), "audit_log", ["entity", "entity_id"])


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes on both databases.
    for table in (
        "audit_log",
        "job_runs",
        "outbox",
        "inbound_events",
        "cta_events",
        "ctas",
        "health_snapshots",
        "daily_metrics",
        "touchpoints",
        "assessments",
        "key_people",
        "accounts",
    ):
        op.drop_table(table)
