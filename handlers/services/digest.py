"""The weekly digest of one team channel: read its rows, compute the figures, queue message and chart.

Teams come from ``takibi.yml`` (:func:`digest_teams`): by default one digest per team channel (the
``cta.channels`` of the segments; segments sharing a channel share a digest, a segment without one
goes to ``cta.default_channel``); with ``digest.per_channel: false`` one digest of every account,
posted to ``digest.channel`` (or ``cta.default_channel``).

The chart goes through the outbox as a ``files.upload_v2`` row (see ``bot.outbox_files``) that depends
on the message row, so it lands after the message, as its own post with an ``initial_comment``. The
PNG travels base64-encoded *in the payload*: the outbox row is then the whole job, it survives a
restart and any instance sharing the database can deliver it (a file under ``var/`` would tie the row
to one machine's disk). A chart is 100–300 kB; the row is deleted with the rest of the outbox history.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta, tzinfo

from sqlalchemy.orm import Session

from handlers.context import Translate
from handlers.views import Message
from scoring.config import TakibiConfig
from scoring.digest import Digest, DigestInput, DigestWeek, Grade, WeekGrades, build_digest, mover_ids
from scoring.grades import GradeScale
from storage.repositories import digest as rows
from storage.repositories import outbox

UPLOAD_METHOD = "files.upload_v2"
"""The outbox method of the chart upload (registered on the deliverer by ``bot.outbox_files``)."""

ChartRenderer = Callable[[Translate, GradeScale, "DigestPost"], bytes]
"""Draws a digest's chart as PNG bytes (``bot.chart.render_digest_chart``; handlers import no bot)."""


@dataclass(frozen=True, slots=True)
class DigestTeam:
    """Where one digest goes and whose accounts it counts (``segments=None``: every account)."""

    channel: str
    segments: tuple[str, ...] | None

    def label(self, t: Translate, config: TakibiConfig) -> str:
        if self.segments is None:
            return t("digest.team.all")
        names = {s.id: s.label.localized(t.locale) for s in config.segments}
        return t("digest.team.segments", segments=" / ".join(names.get(s, s) for s in self.segments))


@dataclass(frozen=True, slots=True)
class DigestPost:
    """One team's digest for one week, with the text used for its team."""

    team: DigestTeam
    team_label: str
    digest: Digest


def digest_teams(config: TakibiConfig) -> tuple[DigestTeam, ...]:
    """The digests to post, in segment order; a segment with no channel anywhere is left out."""
    cta = config.cta
    if not config.digest.per_channel:
        channel = config.digest.channel or cta.default_channel
        return () if channel is None else (DigestTeam(channel, None),)
    by_channel: dict[str, list[str]] = {}
    for segment in config.segments:
        channel = cta.channels.get(segment.id) or cta.default_channel
        if channel is not None:
            by_channel.setdefault(channel, []).append(segment.id)
    return tuple(DigestTeam(channel, tuple(segments)) for channel, segments in by_channel.items())


def week_before(today: date) -> DigestWeek:
    """The week a digest posted on ``today`` reports: the seven days before it (Monday → Mon..Sun)."""
    return DigestWeek(end=today - timedelta(days=1))


def _merge_history(per_segment: list[list[WeekGrades]], ends: tuple[date, ...]) -> list[WeekGrades]:
    """Several segments' weekly counts added up, week by week."""
    merged: list[WeekGrades] = []
    for index, end in enumerate(ends):
        counts: Counter[Grade] = Counter()
        for weeks in per_segment:
            counts.update(weeks[index].counts)
        merged.append(WeekGrades(end=end, counts=dict(counts)))
    return merged


def load_digests(
    session: Session, config: TakibiConfig, teams: Sequence[DigestTeam], week: DigestWeek, tz: tzinfo
) -> list[Digest]:
    """Every team's digest for ``week``: the rows of all teams are read once (a dozen queries in all,
    however many teams) and split by segment in memory, then each team's figures are computed."""
    if not teams:
        return []
    settings = config.digest
    wanted: set[str] | None = set()
    for team in teams:
        if team.segments is None or wanted is None:
            wanted = None
        else:
            wanted.update(team.segments)
    accounts = rows.accounts(session, wanted, end=week.end)
    current = rows.latest_snapshots(session, wanted, on_or_before=week.end)
    previous = rows.latest_snapshots(session, wanted, on_or_before=week.previous_end)
    ctas = rows.ctas(session, wanted, start=week.start, end=week.end, tz=tz)
    touchpoints = rows.touchpoint_counts(session, wanted, first_day=week.start, last_day=week.end, tz=tz)
    touchpoints_before = rows.touchpoint_counts(
        session, wanted, first_day=week.start - timedelta(days=7), last_day=week.previous_end, tz=tz
    )
    ends = week.history_ends(settings.history_weeks)
    history = rows.grade_history(session, wanted, ends)
    empty = [WeekGrades(end=end, counts={}) for end in ends]

    def mine(team: DigestTeam, segment: str) -> bool:
        return team.segments is None or segment in team.segments

    all_segments = sorted(
        {a.segment for a in accounts} | set(ctas) | set(history) | set(touchpoints) | set(touchpoints_before)
    )
    inputs: list[DigestInput] = []
    for team in teams:
        team_accounts = [a for a in accounts if mine(team, a.segment)]
        ids = {a.account_id for a in team_accounts}
        segments = team.segments if team.segments is not None else all_segments
        inputs.append(
            DigestInput(
                week=week,
                accounts=team_accounts,
                current={i: s for i, s in current.items() if i in ids},
                previous={i: s for i, s in previous.items() if i in ids},
                ctas=[c for segment in segments for c in ctas.get(segment, ())],
                touchpoints=sum(touchpoints.get(segment, 0) for segment in segments),
                touchpoints_previous=sum(touchpoints_before.get(segment, 0) for segment in segments),
                history=_merge_history([history.get(segment, empty) for segment in segments], ends),
            )
        )
    movers = {
        account_id
        for data in inputs
        for account_id in mover_ids(
            [a for a in data.accounts if a.in_book(week.end)], data.current, data.previous, settings.movers
        )
    }
    reasons = rows.snapshot_reasons(session, current, movers)
    return [build_digest(replace(data, reasons=reasons), settings) for data in inputs]


def load_digest(
    session: Session, config: TakibiConfig, team: DigestTeam, week: DigestWeek, tz: tzinfo
) -> Digest:
    """One team's digest for ``week``."""
    (digest,) = load_digests(session, config, [team], week, tz)
    return digest


def build_posts(
    session: Session, config: TakibiConfig, t: Translate, week: DigestWeek, tz: tzinfo
) -> list[DigestPost]:
    teams = digest_teams(config)
    digests = load_digests(session, config, teams, week, tz)
    return [
        DigestPost(team, team.label(t, config), digest) for team, digest in zip(teams, digests, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class Queued:
    message_id: int
    upload_id: int | None


def dedupe_key(post: DigestPost, part: str) -> str:
    return f"digest:{post.digest.week.end.isoformat()}:{post.team.channel}:{part}"


def enqueue_post(
    session: Session,
    post: DigestPost,
    message: Message,
    *,
    chart: bytes | None,
    filename: str,
    title: str,
    comment: str,
) -> Queued:
    """Queue the message, then the chart upload depending on it; idempotent per week and channel."""
    channel = post.team.channel
    row = outbox.enqueue(
        session,
        method="chat.postMessage",
        payload={"channel": channel, **message.to_payload()},
        dedupe_key=dedupe_key(post, "message"),
    )
    if chart is None:
        return Queued(row.id, None)
    upload = outbox.enqueue(
        session,
        method=UPLOAD_METHOD,
        payload={
            "channel": channel,
            "filename": filename,
            "title": title,
            "initial_comment": comment,
            "content_base64": base64.b64encode(chart).decode("ascii"),
        },
        dedupe_key=dedupe_key(post, "chart"),
        channel_id=channel,
        depends_on_id=row.id,
    )
    return Queued(row.id, upload.id)
