"""A believable CS book to try takibi on: 60 customers, their people, calls, touchpoints and usage.

``storage.sample.load.load_sample(session, today)`` lays the book out around ``today``;
``storage.sample.generate`` makes it (and exports ``usage.csv``); ``accounts.csv`` next to this file is
the accounts in the import format, laid out around ``generate.ANCHOR``. Which account tells which
story: ``README.md`` next to this file.

Nothing is imported here, so ``python -m storage.sample.generate`` runs the module exactly once.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def accounts_csv_path() -> Path:
    """The bundled ``accounts.csv``, wherever the package is installed."""
    return Path(str(resources.files(__package__).joinpath("accounts.csv")))
