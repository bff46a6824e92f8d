"""The ``csv`` connector: a file of one row per account, day and metric.

The header names the columns (``account_external_id,date,metric,value`` unless ``columns`` says
otherwise); other columns are ignored, and so are blank lines, including Excel's ``,,,`` rows. Row
numbers are line numbers, as a spreadsheet or an editor shows them (the header is line 1).

A file that cannot be decoded with its ``encoding`` (a cp932 export read as UTF-8, a truncated file
ending in garbage) cannot be trusted at all: the connector fails with the first line that does not
decode, and the pull keeps none of its rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from scoring.config_connectors import PACKAGE_PREFIX, CsvConnectorSettings
from storage.connectors.base import ConnectorError, SourceRow

if TYPE_CHECKING:
    from _csv import Reader


class CsvConnector:
    kind = "csv"

    def __init__(self, settings: CsvConnectorSettings, *, config_dir: Path) -> None:
        self.settings = settings
        self._config_dir = config_dir

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def location(self) -> str:
        spec = self.settings.path
        return spec if spec.startswith(PACKAGE_PREFIX) else str(resolve_path(spec, self._config_dir))

    def rows(self) -> Iterator[SourceRow]:
        with local_file(self.settings.path, self._config_dir) as path:
            yield from self._read(path)

    def _read(self, path: Path) -> Iterator[SourceRow]:
        # utf-8-sig reads a file with or without a BOM; Excel's "CSV UTF-8" starts with one.
        encoding = "cp932" if self.settings.encoding == "cp932" else "utf-8-sig"
        try:
            handle = path.open(encoding=encoding, newline="")
        except OSError as exc:
            raise ConnectorError("pull.error.file", path=str(path), reason=exc.strerror or str(exc)) from None
        with handle:
            reader = csv.reader(handle, delimiter=self.settings.delimiter)
            try:
                yield from self._records(reader, path)
            except UnicodeDecodeError:
                line = first_undecodable_line(path, encoding)
                raise ConnectorError(
                    "pull.error.decode", path=str(path), line=line, encoding=self.settings.encoding
                ) from None
            except csv.Error as exc:
                raise ConnectorError(
                    "pull.error.csv", path=str(path), line=reader.line_num, reason=str(exc)
                ) from None
            except OSError as exc:  # the disk or the network share failed half-way
                raise ConnectorError(
                    "pull.error.file", path=str(path), reason=exc.strerror or str(exc)
                ) from None

    def _records(self, reader: Reader, path: Path) -> Iterator[SourceRow]:
        header = next((fields for fields in reader if _has_content(fields)), None)
        if header is None:
            raise ConnectorError("pull.error.csv_empty", path=str(path))
        names = [name.strip().lstrip("\ufeff") for name in header]
        wanted = self.settings.columns.names()
        missing = [name for name in wanted if name not in names]
        if missing:
            raise ConnectorError(
                "pull.error.csv_columns", path=str(path), missing=", ".join(missing), found=", ".join(names)
            )
        account, day, metric, value = (names.index(name) for name in wanted)
        width = max(account, day, metric, value) + 1
        for fields in reader:
            number = reader.line_num
            if len(fields) >= width and fields[account]:
                yield SourceRow(number, fields[account], fields[day], fields[metric], fields[value])
            elif _has_content(fields):
                cells = [fields[i] if i < len(fields) else None for i in (account, day, metric, value)]
                yield SourceRow(number, *cells)


def _has_content(fields: list[str]) -> bool:
    return any(field.strip() for field in fields)


def resolve_path(spec: str, config_dir: Path) -> Path:
    """A ``path`` setting as a file path: ``~`` expanded, relative to ``takibi.yml``'s folder."""
    path = Path(spec).expanduser()
    return path if path.is_absolute() else config_dir / path


@contextmanager
def local_file(spec: str, config_dir: Path) -> Iterator[Path]:
    """The file a ``path`` setting names, on the file system for as long as the block runs.

    ``package:storage.sample/usage.csv`` is a file shipped inside an installed package (extracted to a
    temporary file if the package is zipped).
    """
    if not spec.startswith(PACKAGE_PREFIX):
        yield resolve_path(spec, config_dir)
        return
    package, _, name = spec.removeprefix(PACKAGE_PREFIX).partition("/")
    try:
        resource = resources.files(package).joinpath(name)
    except ModuleNotFoundError:
        raise ConnectorError("pull.error.package", path=spec, package=package) from None
    with resources.as_file(resource) as path:
        yield path


def first_undecodable_line(path: Path, encoding: str) -> int:
    """The 1-based number of the first line that does not decode (0 if every line does).

    Lines are split on ``\\n`` bytes, which is safe for UTF-8 and cp932 alike: neither uses the byte
    inside a multi-byte character.
    """
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                return number
    return 0
