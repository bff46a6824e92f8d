"""What every connector is: a stream of raw source rows, or one clear reason it cannot be read.

A connector only *reads*: it turns its source (a file, a query, an endpoint) into ``SourceRow``s with the
source's own values, unchecked. Checking (``rows.RowChecker``) and writing (``writer``) are shared, so
every kind reports bad rows and writes days the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple, Protocol


class SourceRow(NamedTuple):
    """One row as the source gave it. ``number`` is the CSV line number, or the row's position (1-based)
    in a query result or across the pages of an HTTP source. ``None`` stands for an absent field."""

    number: int
    account: object
    day: object
    metric: object
    value: object


class ConnectorError(Exception):
    """The source cannot be read (missing file, wrong encoding, server down, failing query).

    ``key`` and ``params`` name a catalog message (``pull.error.*``); ``params`` never hold a secret, so
    the message is safe to print and log. Raised before or while rows are streamed: a pull that meets
    it keeps nothing of that connector.
    """

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(f"{key} {params}")
        self.key = key
        self.params: Mapping[str, object] = params


class Connector(Protocol):
    """A source of usage rows, built by ``storage.connectors.open_connector`` from its settings."""

    @property
    def id(self) -> str:
        """The connector's id in ``takibi.yml``; also the ``source`` of the rows it writes."""
        ...

    @property
    def kind(self) -> str: ...

    @property
    def location(self) -> str:
        """Where the rows come from, safe to print: a path, a URL without its query, a variable name."""
        ...

    def rows(self) -> Iterator[SourceRow]:
        """Stream the source's rows; raise ``ConnectorError`` if it cannot be read (even half-way)."""
        ...
