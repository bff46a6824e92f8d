"""The migrations build the schema the models describe, and tear it down again."""

from __future__ import annotations

import logging

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage import migrate
from storage.db import Database, make_engine
from storage.models import Base


def _table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_records_head(database_url: str) -> None:
    migrate.upgrade(database_url)

    assert _table_names(database_url) == {*Base.metadata.tables, "alembic_version"}
    assert migrate.current(database_url) == migrate.head() == "0003_form_inbox"


def test_downgrade_to_base_removes_every_table(database_url: str) -> None:
    migrate.upgrade(database_url)

    migrate.downgrade(database_url, "base")

    assert _table_names(database_url) <= {"alembic_version"}
    assert migrate.current(database_url) is None


def test_upgrade_after_downgrade_rebuilds_the_schema(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.downgrade(database_url)

    migrate.upgrade(database_url)

    assert migrate.is_up_to_date(database_url)


def test_models_match_the_migrated_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_empty_database_is_not_up_to_date(database_url: str) -> None:
    assert migrate.current(database_url) is None
    assert not migrate.is_up_to_date(database_url)


def test_migrating_leaves_the_apps_logging_alone(sqlite_url: str) -> None:
    app_logger = logging.getLogger("takibi.test")
    root = logging.getLogger()
    before = (list(root.handlers), root.level)

    migrate.upgrade(sqlite_url)

    assert (list(root.handlers), root.level) == before
    assert not app_logger.disabled
