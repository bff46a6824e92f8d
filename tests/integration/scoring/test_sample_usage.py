"""The bundled ``usage.csv``: the sample's usage at the anchor day, as the shipped CSV connector pulls it."""

from __future__ import annotations

import io
from importlib import resources

from storage.sample.generate import ANCHOR, generate, write_usage_csv


def test_the_bundled_usage_csv_is_the_generated_usage_at_the_anchor() -> None:
    out = io.StringIO()
    rows = write_usage_csv(generate(ANCHOR), out)
    bundled = resources.files("storage.sample").joinpath("usage.csv").read_text(encoding="utf-8")
    assert rows > 10_000
    assert bundled == out.getvalue()
