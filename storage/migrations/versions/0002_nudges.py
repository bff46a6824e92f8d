"""The steward's nudges: each CSM's pause and language, and every nudge sent with its outcome.

Revision ID: 0002_nudges
Revises: 0001_initial
Create Date: 2026-11-23

A frozen snapshot like 0001: no models or enums imported; the enum is a VARCHAR(32) with a named CHECK,
timestamps are ``timestamptz``, JSON is JSONB on PostgreSQL, every constraint is named.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_nudges"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "nudge_preferences",
        sa.Column("user_slack_id", sa.String(32), nullable=False),
        sa.Column("paused_through", sa.Date(), nullable=True),
        sa.Column("locale", sa.String(8), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_slack_id", name=op.f("pk_nudge_preferences")),
    )
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_slack_id", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("steward_told", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint("user_slack_id", "day", name=op.f("uq_nudges_user_slack_id_day")),
        sa.CheckConstraint("outcome IN ('fixed', 'ignored')", name=op.f("ck_nudges_nudge_outcome")),
    )


def downgrade() -> None:
    op.drop_table("nudges")
    op.drop_table("nudge_preferences")
