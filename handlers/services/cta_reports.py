"""What the rules would do today and how they have done: ``takibi rules preview`` and ``rules stats``.

Read only: an admin checks a rule here before switching it on (principle 6), and sees which rules are
noise by their usefulness answers (principle 5). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.orm import Session

from handlers.services.ctas import CtaEngine, active_pages, day_start, local_day
from scoring.health import score_account
from scoring.rules import CompiledRule, CompiledRules, RuleReason, check
from scoring.rules_stats import CtaOutcome, RuleStats, rule_stats
from storage.enums import CtaStatus
from storage.repositories import ctas as repo
from storage.repositories.facts import DEFAULT_BATCH_SIZE


class PreviewState(StrEnum):
    NEW = "new"
    """Would open a CTA at the next evaluation."""
    OPEN = "open"
    """Fires, and a CTA is already open for it."""
    COOLING_DOWN = "cooling_down"
    """Fires, but the rule's cool-down after the last CTA holds it back."""


@dataclass(frozen=True, slots=True)
class PreviewHit:
    account_id: int
    external_id: str
    name: str
    segment: str
    reasons: tuple[RuleReason, ...]
    state: PreviewState
    cta_id: int | None = None
    cooling_until: date | None = None


@dataclass(frozen=True, slots=True)
class OpenCta:
    """An open CTA of the rule, and whether the rule still fires on its account."""

    cta_id: int
    account_id: int
    name: str
    status: CtaStatus
    opened_on: date
    due_on: date
    still_fires: bool | None
    """``None``: undecided for missing data (the CTA stays open)."""


@dataclass(frozen=True, slots=True)
class RulePreview:
    rule: CompiledRule
    hits: tuple[PreviewHit, ...]
    undetermined: int
    open: tuple[OpenCta, ...]

    def count(self, state: PreviewState) -> int:
        return sum(1 for hit in self.hits if hit.state is state)


def preview_rules(
    session: Session,
    engine: CtaEngine,
    *,
    today: date,
    tz: tzinfo,
    rule_ids: Sequence[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[RulePreview]:
    """For each rule (enabled or not, or only ``rule_ids``): the active accounts it fires on as of
    ``today`` with the reasons, and the CTAs already open for it. Reads only; writes nothing."""
    rules = engine.rules
    selected = [rules.by_id[r] for r in rule_ids] if rule_ids is not None else list(rules.rules)
    hits: dict[str, list[PreviewHit]] = {rule.id: [] for rule in selected}
    undetermined = dict.fromkeys(hits, 0)
    fired: set[tuple[int, str]] = set()
    unknown: set[tuple[int, str]] = set()
    names: dict[int, str] = {}
    calendar = engine.calendar_for(today)
    for page in active_pages(session, batch_size):
        ids = [a.id for a in page]
        contexts = repo.account_contexts(session, ids)
        open_now = {
            (c.account_id, c.rule_id): c.id for c in repo.open_ctas(session, ids, rule_ids=list(hits))
        }
        closed = repo.last_closed(session, ids)
        history = (
            repo.grade_history(
                session,
                ids,
                since=today - timedelta(days=rules.history_days),
                until=today - timedelta(days=1),
            )
            if rules.history_days
            else {}
        )
        scored, ruled = engine.load_facts(session, page, today, tz)
        for ref, score_facts, account_facts in zip(page, scored, ruled, strict=True):
            names[ref.id] = ref.name
            context = contexts[ref.id]
            health = score_account(score_facts, engine.health, today)
            result = check(
                account_facts,
                health,
                history.get(ref.id, ()),
                rules,
                today,
                calendar=calendar,
                renewal_on=context.renewal_date,
                only=selected,
            )
            for rule_id in result.undetermined:
                undetermined[rule_id] += 1
                unknown.add((ref.id, rule_id))
            for hit in result.hits:
                fired.add((ref.id, hit.rule_id))
                rule = rules.by_id[hit.rule_id]
                cta_id = open_now.get((ref.id, hit.rule_id))
                last = closed.get((ref.id, hit.rule_id))
                until = None if last is None else local_day(last, tz) + timedelta(days=rule.cooldown_days)
                if cta_id is not None:
                    state = PreviewState.OPEN
                elif until is not None and until > today:
                    state = PreviewState.COOLING_DOWN
                else:
                    state = PreviewState.NEW
                hits[hit.rule_id].append(
                    PreviewHit(
                        account_id=ref.id,
                        external_id=ref.external_id,
                        name=ref.name,
                        segment=ref.segment,
                        reasons=hit.reasons,
                        state=state,
                        cta_id=cta_id,
                        cooling_until=until if state is PreviewState.COOLING_DOWN else None,
                    )
                )
    open_by_rule: dict[str, list[OpenCta]] = {rule_id: [] for rule_id in hits}
    open_ctas = repo.open_ctas(session, rule_ids=list(hits))
    owners = repo.account_contexts(session, {c.account_id for c in open_ctas})
    for cta in open_ctas:
        key = (cta.account_id, cta.rule_id)
        owner = owners.get(cta.account_id)
        open_by_rule[cta.rule_id].append(
            OpenCta(
                cta_id=cta.id,
                account_id=cta.account_id,
                name=names.get(cta.account_id, owner.name if owner else str(cta.account_id)),
                status=cta.status,
                opened_on=local_day(cta.opened_at, tz),
                due_on=cta.due_on,
                still_fires=True if key in fired else None if key in unknown else False,
            )
        )
    return [
        RulePreview(
            rule=rule,
            hits=tuple(hits[rule.id]),
            undetermined=undetermined[rule.id],
            open=tuple(open_by_rule[rule.id]),
        )
        for rule in selected
    ]


def rules_stats(
    session: Session, rules: CompiledRules, *, tz: tzinfo, since: date | None = None
) -> list[RuleStats]:
    """Per rule (configured ones first, then rules seen only in past CTAs): fired, open, closed by
    kind, completion rate, median days to close and usefulness shares, for CTAs opened since ``since``."""
    rows = repo.stats_rows(session, opened_since=None if since is None else day_start(since, tz))
    outcomes = [
        CtaOutcome(
            rule_id=row.rule_id,
            status=row.status.value,
            opened_at=row.opened_at,
            due_on=row.due_on,
            closed_at=row.closed_at,
            closed_on=None if row.closed_at is None else local_day(row.closed_at, tz),
            usefulness=None if row.usefulness is None else row.usefulness.value,
        )
        for row in rows
    ]
    return rule_stats(outcomes, [rule.id for rule in rules.rules])
