"""``scoring.nudges.roll_call`` (coverage per owner) and ``parse_pause`` (``/takibi nudge off 1w``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scoring.nudges import (
    MAX_PAUSE_DAYS,
    AccountFacts,
    CoverageLine,
    PauseAction,
    PauseParseError,
    PauseRequest,
    parse_pause,
    roll_call,
)

TODAY = date(2026, 11, 24)  # a Tuesday


def facts(account_id: int, owner: str | None, last: date | None, segment: str = "SMB") -> AccountFacts:
    return AccountFacts(account_id, f"顧客{account_id}", owner, segment, last)


def test_roll_call_counts_fresh_stale_and_missing_per_owner_in_a_fixed_order() -> None:
    accounts = [
        facts(1, "U0SUZUKI", TODAY),
        facts(2, "U0SATO", TODAY - timedelta(days=31)),
        facts(3, "U0SATO", None),
        facts(4, "U0SATO", TODAY - timedelta(days=30)),
        facts(5, None, None),
    ]
    call = roll_call(accounts, today=TODAY, stale_after_days=30)
    assert call.lines == (
        CoverageLine("U0SATO", fresh=1, stale=1, missing=1),
        CoverageLine("U0SUZUKI", fresh=1),
        CoverageLine(None, missing=1),
    )
    assert call.total == CoverageLine(None, fresh=2, stale=1, missing=2)
    assert call.total.share == pytest.approx(0.4)


def test_roll_call_counts_only_the_channels_segments() -> None:
    accounts = [facts(1, "U0SATO", TODAY, "SMB"), facts(2, "U0SATO", None, "EP")]
    call = roll_call(accounts, today=TODAY, stale_after_days=30, segments=("EP",))
    assert call.lines == (CoverageLine("U0SATO", missing=1),)


@pytest.mark.parametrize("text", ["", "status", "  STATUS "])
def test_no_argument_or_status_shows_the_status(text: str) -> None:
    assert parse_pause(text, TODAY) == PauseRequest(PauseAction.STATUS)


def test_on_resumes() -> None:
    assert parse_pause("on", TODAY) == PauseRequest(PauseAction.ON)


@pytest.mark.parametrize(
    ("text", "through"),
    [
        ("off 1w", date(2026, 11, 30)),  # through Monday: next Tuesday's nudge comes
        ("off 2w", date(2026, 12, 7)),
        ("off 3d", date(2026, 11, 26)),
        ("off 1d", TODAY),
        ("off 3日", date(2026, 11, 26)),
        ("off 1週間", date(2026, 11, 30)),
        ("off until 2026-12-01", date(2026, 12, 1)),
        ("off 2026/12/01", date(2026, 12, 1)),
        ("OFF Until 2026-11-24", TODAY),
    ],
)
def test_off_pauses_through_a_day(text: str, through: date) -> None:
    assert parse_pause(text, TODAY) == PauseRequest(PauseAction.OFF, through)


@pytest.mark.parametrize("text", ["off", "off 0d", "off soon", "off 1w 2d", "pause", "off until"])
def test_what_cannot_be_read_answers_with_the_usage(text: str) -> None:
    with pytest.raises(PauseParseError) as caught:
        parse_pause(text, TODAY)
    assert caught.value.key == "nudges.pause.usage"


def test_a_day_in_the_past_is_refused() -> None:
    with pytest.raises(PauseParseError) as caught:
        parse_pause("off until 2026-11-23", TODAY)
    assert (caught.value.key, caught.value.params) == ("nudges.pause.past", {"day": date(2026, 11, 23)})


def test_a_pause_is_at_most_max_pause_days() -> None:
    assert parse_pause(f"off {MAX_PAUSE_DAYS}d", TODAY).through == TODAY + timedelta(days=MAX_PAUSE_DAYS - 1)
    with pytest.raises(PauseParseError) as caught:
        parse_pause(f"off {MAX_PAUSE_DAYS + 1}d", TODAY)
    assert caught.value.key == "nudges.pause.too_long"
