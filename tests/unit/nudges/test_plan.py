"""``scoring.nudges.plan_nudges``: what each CSM is asked, what became of the last ask, whom the
steward hears about. Plain data in, plain data out."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.nudges import (
    AccountFacts,
    Escalation,
    ItemKind,
    NudgePolicy,
    Outcome,
    OverdueCta,
    PreviousNudge,
    Resolution,
    due_items,
    plan_nudges,
)

TODAY = date(2026, 11, 24)
SATO, SUZUKI, STEWARD = "U0SATO", "U0SUZUKI", "U0TAKAHASHI"
POLICY = NudgePolicy(stale_after_days=30, max_items=10, escalate_after_ignored=3, steward=STEWARD)


def account(
    account_id: int, owner: str | None = SATO, last: date | None = TODAY, name: str | None = None
) -> AccountFacts:
    return AccountFacts(account_id, name or f"顧客{account_id:02d}", owner, "SMB", last)


def cta(cta_id: int, account_id: int, due: date, owner: str = SATO) -> OverdueCta:
    return OverdueCta(cta_id, account_id, f"顧客{account_id:02d}", "key_person_left", owner, due)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_fresh_accounts_ask_for_nothing() -> None:
    plan = plan_nudges([account(1, last=days_ago(30))], [], today=TODAY, policy=POLICY)
    assert plan.nudges == ()


def test_an_assessment_older_than_the_age_is_stale_and_never_assessed_is_missing() -> None:
    accounts = [account(1, last=days_ago(31)), account(2, last=None), account(3, last=days_ago(3))]
    plan = plan_nudges(accounts, [], today=TODAY, policy=POLICY)
    (nudge,) = plan.nudges
    assert nudge.user == SATO
    assert [(i.kind, i.account_id) for i in nudge.items] == [(ItemKind.MISSING, 2), (ItemKind.STALE, 1)]
    assert nudge.items[1].since == days_ago(31)


def test_overdue_ctas_come_first_oldest_due_first() -> None:
    overdue = [cta(7, 1, days_ago(1)), cta(8, 2, days_ago(5))]
    plan = plan_nudges([account(3, last=None)], overdue, today=TODAY, policy=POLICY)
    assert [(i.kind, i.cta_id) for i in plan.nudges[0].items] == [
        (ItemKind.OVERDUE_CTA, 8),
        (ItemKind.OVERDUE_CTA, 7),
        (ItemKind.MISSING, None),
    ]
    assert plan.nudges[0].keys == ("cta:8", "cta:7", "assess:3")


def test_a_cta_due_today_is_not_overdue_yet() -> None:
    plan = plan_nudges([], [cta(7, 1, TODAY)], today=TODAY, policy=POLICY)
    assert plan.nudges == ()


def test_overdue_ctas_can_be_left_out() -> None:
    policy = NudgePolicy(stale_after_days=30, include_overdue_ctas=False)
    assert plan_nudges([], [cta(7, 1, days_ago(2))], today=TODAY, policy=policy).nudges == ()


def test_an_overdue_cta_goes_to_its_owner_not_the_accounts() -> None:
    plan = plan_nudges([account(1)], [cta(7, 1, days_ago(2), owner=SUZUKI)], today=TODAY, policy=POLICY)
    assert [n.user for n in plan.nudges] == [SUZUKI]


def test_unowned_accounts_are_nobodys_to_nudge() -> None:
    assert plan_nudges([account(1, owner=None, last=None)], [], today=TODAY, policy=POLICY).nudges == ()


def test_each_csm_gets_only_their_own_items() -> None:
    accounts = [account(1, SATO, None), account(2, SUZUKI, None), account(3, SUZUKI, days_ago(90))]
    plan = plan_nudges(accounts, [], today=TODAY, policy=POLICY)
    assert {n.user: [i.account_id for i in n.items] for n in plan.nudges} == {SATO: [1], SUZUKI: [2, 3]}


def test_a_dm_lists_at_most_max_items_and_counts_the_rest() -> None:
    policy = NudgePolicy(stale_after_days=30, max_items=2)
    plan = plan_nudges([account(i, last=None) for i in range(1, 6)], [], today=TODAY, policy=policy)
    (nudge,) = plan.nudges
    assert (len(nudge.items), nudge.total, nudge.more) == (2, 5, 3)


def test_a_paused_csm_gets_nothing_and_their_last_nudge_waits() -> None:
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:1"}))}
    plan = plan_nudges(
        [account(1, last=None)],
        [],
        today=TODAY,
        policy=POLICY,
        paused={SATO: TODAY + timedelta(days=6)},
        previous=previous,
    )
    assert plan.nudges == ()
    assert plan.resolutions == ()
    assert plan.paused == (SATO,)


def test_a_pause_ends_after_its_last_day() -> None:
    plan = plan_nudges([account(1, last=None)], [], today=TODAY, policy=POLICY, paused={SATO: days_ago(1)})
    assert [n.user for n in plan.nudges] == [SATO]
    assert plan.paused == ()


def test_the_pauses_last_day_is_still_paused() -> None:
    plan = plan_nudges([account(1, last=None)], [], today=TODAY, policy=POLICY, paused={SATO: TODAY})
    assert plan.nudges == ()


def test_fixing_one_listed_item_makes_the_last_nudge_fixed() -> None:
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:1", "assess:2"}), streak=2)}
    accounts = [account(1, last=TODAY), account(2, last=None)]
    plan = plan_nudges(accounts, [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.resolutions == (Resolution(SATO, days_ago(1), Outcome.FIXED),)
    assert plan.nudges[0].streak == 0


def test_a_last_nudge_with_everything_still_due_was_ignored_and_the_streak_grows() -> None:
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:2"}), streak=1)}
    plan = plan_nudges([account(2, last=None)], [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.resolutions == (Resolution(SATO, days_ago(1), Outcome.IGNORED),)
    assert plan.nudges[0].streak == 2
    assert plan.escalations == ()


def test_everything_fixed_means_no_nudge_and_a_fixed_last_one() -> None:
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:2"}), streak=5)}
    plan = plan_nudges([account(2, last=TODAY)], [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.nudges == ()
    assert plan.resolutions == (Resolution(SATO, days_ago(1), Outcome.FIXED),)


def test_the_steward_is_told_when_the_streak_reaches_n() -> None:
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:2"}), streak=2)}
    plan = plan_nudges([account(2, last=None)], [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.escalations == (Escalation(STEWARD, SATO, ignored=3, open_items=1),)
    assert plan.nudges[0].steward_told


def test_the_steward_is_told_once_per_streak() -> None:
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:2"}), streak=3, steward_told=True)}
    plan = plan_nudges([account(2, last=None)], [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.escalations == ()
    assert plan.nudges[0].streak == 4
    assert plan.nudges[0].steward_told


def test_a_new_streak_after_a_fix_can_be_told_again() -> None:
    fixed = PreviousNudge(SATO, days_ago(1), frozenset({"assess:1"}), streak=3, steward_told=True)
    plan = plan_nudges([account(2, last=None)], [], today=TODAY, policy=POLICY, previous={SATO: fixed})
    assert (plan.nudges[0].streak, plan.nudges[0].steward_told) == (0, False)


def test_without_a_steward_nobody_is_told() -> None:
    policy = NudgePolicy(stale_after_days=30, escalate_after_ignored=1)
    previous = {SATO: PreviousNudge(SATO, days_ago(1), frozenset({"assess:2"}))}
    plan = plan_nudges([account(2, last=None)], [], today=TODAY, policy=policy, previous=previous)
    assert plan.escalations == ()
    assert plan.nudges[0].streak == 1


def test_the_steward_is_not_told_about_themselves() -> None:
    previous = {STEWARD: PreviousNudge(STEWARD, days_ago(1), frozenset({"assess:2"}), streak=2)}
    plan = plan_nudges([account(2, STEWARD, None)], [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.escalations == ()


def test_a_nudge_from_today_is_not_the_previous_one() -> None:
    previous = {SATO: PreviousNudge(SATO, TODAY, frozenset({"assess:2"}), streak=2)}
    plan = plan_nudges([account(2, last=None)], [], today=TODAY, policy=POLICY, previous=previous)
    assert plan.resolutions == ()
    assert plan.nudges[0].streak == 0


def test_stale_and_missing_are_the_same_item_so_the_key_does_not_change() -> None:
    items = due_items([account(4, last=None)], [], today=TODAY, policy=POLICY)
    later = due_items([account(4, last=days_ago(40))], [], today=TODAY, policy=POLICY)
    assert items[SATO][0].key == later[SATO][0].key == "assess:4"
