"""Data connectors: pull daily per-account usage metrics from where the customer keeps them.

``open_connector`` builds one from its ``takibi.yml`` settings. A connector streams raw ``SourceRow``s
(``base``); ``rows.RowChecker`` turns them into good rows or reported ``BadRow``s; ``spool.RowSpool``
parks good rows on disk; ``writer.write_rows`` upserts them and counts the changes. The use case that
puts these together is ``handlers.services.usage_pull``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from scoring.config import ONBOARDING_DELAY, TakibiConfig
from scoring.config_connectors import (
    ConnectorSettings,
    CsvConnectorSettings,
    HttpConnectorSettings,
    SqlConnectorSettings,
)
from storage.connectors.base import Connector, ConnectorError, SourceRow
from storage.connectors.csv_file import CsvConnector
from storage.connectors.http_json import HttpConnector
from storage.connectors.sql_query import BATCH_SIZE, SqlConnector

__all__ = ["Connector", "ConnectorError", "SourceRow", "metric_names", "open_connector"]


def open_connector(
    settings: ConnectorSettings,
    *,
    config_dir: Path,
    environ: Mapping[str, str],
    today: date,
    batch_size: int = BATCH_SIZE,
) -> Connector:
    """The connector its settings describe. Nothing is opened yet: ``rows()`` reads.

    ``config_dir`` is the folder of ``takibi.yml`` (relative CSV paths start there); ``environ`` holds
    the variables that ``url_env`` and ``token_env`` name; ``today`` feeds a SQL query's ``:today`` and
    ``:since``.
    """
    if isinstance(settings, CsvConnectorSettings):
        return CsvConnector(settings, config_dir=config_dir)
    if isinstance(settings, SqlConnectorSettings):
        return SqlConnector(settings, environ=environ, today=today, batch_size=batch_size)
    if isinstance(settings, HttpConnectorSettings):
        return HttpConnector(settings, environ=environ)
    raise TypeError(f"unknown connector settings {type(settings).__name__}")


def metric_names(settings: ConnectorSettings, config: TakibiConfig) -> dict[str, str]:
    """The source's metric names → fire metric ids: the connector's ``metrics`` mapping, or else every
    pulled fire metric under its own id (the onboarding delay is computed, never pulled)."""
    if settings.metrics:
        return dict(settings.metrics)
    return {m.id: m.id for m in config.fire.metrics if m.id != ONBOARDING_DELAY}
