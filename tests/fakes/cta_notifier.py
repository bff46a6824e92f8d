"""A ``CtaNotifier`` that records what it was told, for tests to assert on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from storage.enums import CtaEventKind
from storage.models import Cta, CtaEvent


@dataclass(frozen=True, slots=True)
class Notice:
    """One call: ``opened`` (``kind`` is ``None``) or ``changed`` with the event's kind."""

    cta_id: int
    rule_id: str
    account_id: int
    kind: CtaEventKind | None


@dataclass
class RecordingNotifier:
    notices: list[Notice] = field(default_factory=list)

    def opened(self, session: Session, cta: Cta) -> None:
        assert cta.id is not None, "notified before the CTA was flushed"
        self.notices.append(Notice(cta.id, cta.rule_id, cta.account_id, None))

    def changed(self, session: Session, cta: Cta, event: CtaEvent) -> None:
        assert event.id is not None, "notified before the event was flushed"
        self.notices.append(Notice(cta.id, cta.rule_id, cta.account_id, event.kind))

    @property
    def opened_ids(self) -> list[int]:
        return [n.cta_id for n in self.notices if n.kind is None]

    def changed_kinds(self) -> list[tuple[int, CtaEventKind]]:
        return [(n.cta_id, n.kind) for n in self.notices if n.kind is not None]
