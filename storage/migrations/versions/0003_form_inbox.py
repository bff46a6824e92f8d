"""The form inbox: forms Slack submitted and takibi acked, until a worker has stored them.

Revision ID: 0003_form_inbox
Revises: 0002_nudges
Create Date: 2026-12-06

A frozen snapshot like 0001: no models or enums imported; the enum is a VARCHAR(32) with a named CHECK,
timestamps are ``timestamptz``, JSON is JSONB on PostgreSQL, every constraint is named.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_form_inbox"
down_revision: str | None = "0002_nudges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "form_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("user_slack_id", sa.String(32), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_inbox")),
        sa.CheckConstraint(
            "outcome IN ('stored', 'refused', 'failed')", name=op.f("ck_form_inbox_form_outcome")
        ),
    )
    op.create_index(
        op.f("ix_form_inbox_finished_at_next_attempt_at"),
        "form_inbox",
        ["finished_at", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_form_inbox_finished_at_next_attempt_at"), table_name="form_inbox")
    op.drop_table("form_inbox")
