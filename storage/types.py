"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine


class NaiveDatetimeError(ValueError):
    """A naive datetime reached the database; its instant is ambiguous, so it is refused."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    PostgreSQL keeps ``timestamptz`` but returns it in the session's time zone; SQLite has no time zone
    at all and returns naive values. Both come back here as ``tzinfo=UTC``, so comparisons and
    arithmetic never mix naive and aware values. Naive input is a bug (whose clock?), so it raises.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise NaiveDatetimeError(f"naive datetime {value.isoformat()} refused; attach a time zone")
        utc = value.astimezone(UTC)
        # SQLite's DATETIME format has no offset; storing UTC wall time keeps text order = time order.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type(*, none_as_null: bool = False) -> TypeEngine[Any]:
    """JSON everywhere, JSONB on PostgreSQL (indexable, compact, key order not preserved).

    ``none_as_null=True`` for nullable columns: Python ``None`` becomes SQL NULL, not JSON ``null``.
    """
    return JSON(none_as_null=none_as_null).with_variant(JSONB(none_as_null=none_as_null), "postgresql")


def str_enum(enum_cls: type[StrEnum], name: str) -> Enum:
    """A ``StrEnum`` stored as its *values* in a VARCHAR with a CHECK constraint.

    Not a native PostgreSQL enum: the same migration then serves both databases, and adding a value is a
    constraint change rather than an ``ALTER TYPE`` that cannot run in a transaction. ``name`` names
    the CHECK constraint (through the metadata naming convention). ``length=32`` leaves room for new
    values without widening the column.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )
