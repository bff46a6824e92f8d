"""What the runner does to the process before it serves."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.runner import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_the_startup_heap_is_frozen_after_its_garbage_is_collected() -> None:
    kept = _Node()
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage

    freeze_startup_heap()

    assert gone() is None  # a cycle left by startup is collected, not kept for good
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # out of every later collection's sight
