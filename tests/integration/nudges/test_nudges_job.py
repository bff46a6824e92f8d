"""The ``nudges`` job through the scheduler and its ledger, with a frozen clock, on SQLite and
PostgreSQL: business days (勤労感謝の日 2026-11-23 is off, the 24th is not), working hours, pauses,
escalation to the steward after N ignored nudges, re-runs, and the preview that writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.i18n import Locale, Translator
from bot.scheduler import JobScheduler
from bot.services import translator_for
from handlers.jobs.base import Outcome, RunOutcome, RunTrigger
from handlers.services.nudges import preview_day
from scoring.config import TakibiConfig
from storage.db import Database
from storage.repositories import assessments, nudges
from tests.integration.nudges.conftest import (
    EMILY,
    SATO,
    STEWARD,
    SUZUKI,
    Seeded,
    count_rows,
    nudge_scheduler,
    queued,
    records,
)
from tests.integration.scheduler.conftest import Clock, tokyo


def summary(outcome: RunOutcome) -> dict[str, object]:
    """The job's own report (the ledger adds timing and trigger)."""
    report = outcome.report or {}
    return {key: report[key] for key in ("counts", "skipped", "errors") if key in report}


def dm_key(day: str, user: str) -> str:
    return f"nudge:{day}:dm:{user}"


def assess(database: Database, account_id: int, on: date) -> None:
    with database.unit_of_work() as session:
        assessments.add(
            session,
            account_id=account_id,
            author_slack_id="U0X",
            call_date=on,
            answers={},
            submitted_at=datetime.combine(on, datetime.min.time(), tzinfo=UTC),
            config_version="v",
        )


def run_on(scheduler: JobScheduler, clock: Clock, day: date) -> None:
    clock.set(tokyo(day.year, day.month, day.day, 9, 30))
    outcome = scheduler.fire("nudges")
    assert outcome is not None
    assert outcome.outcome is Outcome.SUCCEEDED, outcome


def test_a_business_morning_sends_each_csm_their_items_and_each_team_its_roll_call(
    database: Database, seeded: Seeded, scheduler: JobScheduler
) -> None:
    outcome = scheduler.fire("nudges")

    assert outcome is not None
    assert outcome.outcome is Outcome.SUCCEEDED
    assert summary(outcome) == {"counts": {"nudges": 2, "escalations": 0, "roll_calls": 3, "paused": 0}}
    sent = queued(database)
    assert sorted(sent) == sorted(
        [
            dm_key("2026-11-24", SATO),
            dm_key("2026-11-24", SUZUKI),
            "nudge:2026-11-24:roll_call:C0CSSMB",
            "nudge:2026-11-24:roll_call:C0CSMM",
            "nudge:2026-11-24:roll_call:C0CSEP",
        ]
    )
    sato = sent[dm_key("2026-11-24", SATO)]
    assert sato["channel"] == SATO
    buttons = [b["accessory"] for b in sato["blocks"] if "accessory" in b]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("open_assess", str(seeded.cta_account)),  # the overdue CTA first
        ("open_assess", str(seeded.stale)),
    ]
    assert "キーパーソンが離任" in str(sato["blocks"]) or "key_person_left" in str(sato["blocks"])
    assert "<@U0SATO>" in str(sent["nudge:2026-11-24:roll_call:C0CSSMB"]["blocks"])
    assert [(user, outcome_, streak) for user, _, outcome_, streak, _ in records(database)] == [
        (SATO, None, 0),
        (SUZUKI, None, 0),
    ]


def test_a_national_holiday_sends_nothing_and_leaves_the_day_to_the_next_business_day(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    clock.set(tokyo(2026, 11, 23, 9, 30))  # 勤労感謝の日, a Monday
    holiday = scheduler.fire("nudges")
    assert holiday is not None
    assert holiday.outcome is Outcome.DAY_OFF
    assert count_rows(database) == (0, 0)

    run_on(scheduler, clock, date(2026, 11, 24))
    assert dm_key("2026-11-24", SATO) in queued(database)


def test_outside_working_hours_nothing_is_sent(
    database: Database, seeded: Seeded, config: TakibiConfig, clock: Clock
) -> None:
    """Restarted at 19:00 on a business day: the missed 09:30 run catches up, and sends nothing."""
    clock.set(tokyo(2026, 11, 24, 19, 0))
    (outcome,) = nudge_scheduler(database, config, clock).catch_up()
    assert (outcome.trigger, outcome.outcome) == (RunTrigger.CATCH_UP, Outcome.SUCCEEDED)
    assert summary(outcome) == {"counts": {}, "skipped": "outside_working_hours"}
    assert count_rows(database) == (0, 0)


def test_a_manual_run_before_working_hours_sends_nothing(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    clock.set(tokyo(2026, 11, 24, 7, 45))
    outcome = scheduler.run_job_now("nudges")
    assert summary(outcome) == {"counts": {}, "skipped": "outside_working_hours"}
    assert count_rows(database) == (0, 0)


def test_a_paused_csm_gets_nothing_and_the_others_get_theirs(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    with database.unit_of_work() as session:
        nudges.set_preference(session, SATO, paused_through=date(2026, 11, 30), locale="ja", now=clock())
    run_on(scheduler, clock, date(2026, 11, 24))
    sent = queued(database)
    assert dm_key("2026-11-24", SATO) not in sent
    assert dm_key("2026-11-24", SUZUKI) in sent

    run_on(scheduler, clock, date(2026, 12, 1))  # the pause is over
    assert dm_key("2026-12-01", SATO) in queued(database)


def test_a_csm_s_remembered_language_is_the_language_of_their_dm(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    with database.unit_of_work() as session:
        nudges.set_preference(session, SUZUKI, paused_through=None, locale="en", now=clock())
    run_on(scheduler, clock, date(2026, 11, 24))
    sent = queued(database)
    assert sent[dm_key("2026-11-24", SUZUKI)]["text"] == "🔥 Today's asks (1)"
    assert sent[dm_key("2026-11-24", SATO)]["text"] == "🔥 今日のお願い (2 件)"


def test_the_steward_hears_once_after_three_ignored_nudges_in_a_row(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    days = [
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 26),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]
    run_on(scheduler, clock, days[0])
    assess(database, seeded.missing, days[0])  # 鈴木 fixes theirs at once: no streak
    for day in days[1:]:
        run_on(scheduler, clock, day)

    steward_keys = [key for key in queued(database) if ":steward:" in key]
    assert steward_keys == ["nudge:2026-11-27:steward:U0SATO"]
    note = queued(database)["nudge:2026-11-27:steward:U0SATO"]
    assert note["channel"] == STEWARD
    assert "<@U0SATO> さんへの声掛けが 3 回続けて" in note["text"]
    sato = [
        (day, outcome, streak, told) for user, day, outcome, streak, told in records(database) if user == SATO
    ]
    assert sato == [
        (days[0], "ignored", 0, False),
        (days[1], "ignored", 1, False),
        (days[2], "ignored", 2, False),
        (days[3], "ignored", 3, True),
        (days[4], None, 4, True),
    ]
    suzuki = [(day, outcome) for user, day, outcome, _, _ in records(database) if user == SUZUKI]
    assert suzuki == [(days[0], "fixed")]


def test_fixing_one_listed_item_ends_the_streak(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    run_on(scheduler, clock, date(2026, 11, 24))
    run_on(scheduler, clock, date(2026, 11, 25))
    assess(database, seeded.stale, date(2026, 11, 25))
    run_on(scheduler, clock, date(2026, 11, 26))
    sato = [(day.day, outcome, streak) for user, day, outcome, streak, _ in records(database) if user == SATO]
    assert sato == [(24, "ignored", 0), (25, "fixed", 1), (26, None, 0)]


def test_a_forced_rerun_of_the_day_enqueues_nothing_new(
    database: Database, seeded: Seeded, scheduler: JobScheduler, clock: Clock
) -> None:
    run_on(scheduler, clock, date(2026, 11, 24))
    before = count_rows(database)
    clock.advance(timedelta(minutes=20))
    again = scheduler.run_job_now("nudges", force=True)
    assert again.outcome is Outcome.SUCCEEDED
    assert count_rows(database) == before


def test_the_preview_shows_the_day_and_writes_nothing(
    database: Database, seeded: Seeded, config: TakibiConfig, clock: Clock
) -> None:
    day, outgoing = preview_day(
        database, config, translator_for(Translator(Locale.JA)), today=date(2026, 11, 24), now=clock()
    )
    assert [(o.kind, o.target) for o in outgoing] == [
        ("dm", SATO),
        ("dm", SUZUKI),
        ("roll_call", "C0CSSMB"),
        ("roll_call", "C0CSMM"),
        ("roll_call", "C0CSEP"),
    ]
    assert EMILY not in {n.user for n in day.plan.nudges}
    assert count_rows(database) == (0, 0)


def test_a_remembered_language_beats_slacks_and_slacks_beats_the_teams(
    database: Database, seeded: Seeded, config: TakibiConfig, clock: Clock
) -> None:
    with database.unit_of_work() as session:
        nudges.set_preference(session, SUZUKI, paused_through=None, locale="ja", now=clock())
    _, outgoing = preview_day(
        database,
        config,
        translator_for(Translator(Locale.JA)),
        today=date(2026, 11, 24),
        now=clock(),
        locale_of=lambda user: "en",
    )
    assert {o.target: o.locale for o in outgoing if o.kind == "dm"} == {SATO: "en", SUZUKI: "ja"}
    assert {o.locale for o in outgoing if o.kind == "roll_call"} == {"ja"}
