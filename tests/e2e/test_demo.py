"""``takibi demo`` end to end: the real app, its jobs and Slack client against the stand-in, replaying
simulated days of the sample book; what a person is shown and what the stand-in recorded.

One shortened replay (four days: the holiday, the first digest, the scenes of the first week) is run
once for the module and looked at from several sides; the default command runs once in a subprocess,
as ``make demo`` runs it, against the two-minute budget.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.demo import DemoResult, DemoWorld, demo_world, replay
from bot.i18n import Locale
from handlers.ids import CtaButton

TAKIBI = Path(sys.executable).with_name("takibi")
PATIENCE_SECONDS = 300
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Replayed:
    world: DemoWorld
    lines: list[str]
    result: DemoResult

    @property
    def transcript(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayed]:
    lines: list[str] = []
    with demo_world(tmp_path_factory.mktemp("demo") / "var", Locale.JA) as world:
        result = replay(world, lines.append, days=4)
        yield Replayed(world, lines, result)


def _alert_ids(params: dict[str, object]) -> list[str]:
    blocks = params.get("blocks") or []
    assert isinstance(blocks, list)
    return [
        str(element.get("value"))
        for block in blocks
        for element in block.get("elements") or ()
        if isinstance(element, dict) and element.get("action_id") == CtaButton.TAKE
    ]


@pytest.mark.timeout(180)
def test_the_transcript_shows_days_jobs_and_alerts_with_their_buttons(replayed: Replayed) -> None:
    text = replayed.transcript
    assert "11月23日 (月) 祝日" in text
    assert "⚙ 利用データの取り込み: read=15810" in text
    assert "⚙ スコアと CTA の計算" in text
    assert "┌ #cs-ep" in text
    assert "[担当する] [スヌーズ] [完了] [却下]" in text
    assert "Traceback" not in text
    assert "が失敗" not in text
    assert "この場面は続けられませんでした" not in text


@pytest.mark.timeout(180)
def test_an_assessment_submitted_through_the_modal_is_confirmed(replayed: Replayed) -> None:
    assert "▶ James Wilson: 顧客との面談のあと /takibi assess 北斗ロジスティクス" in replayed.transcript
    assert "✎ James Wilson がフォームを送信" in replayed.transcript
    confirmations = [e["message"] for e in replayed.world.standin.ephemerals(user_id="U0JAMES")]
    assert any("北斗ロジスティクス" in str(message) for message in confirmations), confirmations
    assert "(James Wilson にだけ表示)" in replayed.transcript


@pytest.mark.timeout(180)
def test_the_weekly_digest_is_posted_with_its_chart_uploaded(replayed: Replayed) -> None:
    standin = replayed.world.standin
    completed = [c for c in standin.calls_to("files.completeUploadExternal") if c.ok]
    assert len(completed) == 3  # one per team channel
    file_ids = [f["id"] for call in completed for f in call.response["files"]]
    assert all((standin.file_bytes(file_id) or b"").startswith(PNG) for file_id in file_ids)
    assert "⚙ 週次ダイジェスト: digests=3, charts=3" in replayed.transcript
    assert "📎 週次ダイジェスト" in replayed.transcript


@pytest.mark.timeout(180)
def test_people_act_on_alerts_by_button_reaction_snooze_and_dismissal(replayed: Replayed) -> None:
    text = replayed.transcript
    assert "▶ 鈴木 大輔: #cs-mm のアラート" in text
    assert "[担当する] を押す" in text
    assert ":white_check_mark: でリアクション" in text
    assert "[スヌーズ] を押す" in text
    assert "[却下] を押す" in text
    assert "✎ 更新" in text  # the alerts acted on were edited in place


@pytest.mark.timeout(180)
def test_each_alert_is_posted_once(replayed: Replayed) -> None:
    posts = [c for c in replayed.world.standin.calls_to("chat.postMessage") if c.ok]
    alert_ids = [cta_id for call in posts for cta_id in _alert_ids(call.params)]
    assert alert_ids, "no alert was posted"
    duplicates = {cta_id: n for cta_id, n in Counter(alert_ids).items() if n > 1}
    assert duplicates == {}


@pytest.mark.timeout(180)
def test_the_html_page_holds_the_channels_and_the_chart(replayed: Replayed) -> None:
    page = replayed.result.files.html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for channel in ("#cs-ep", "#cs-mm", "#cs-smb"):
        assert f"<h2>{channel}</h2>" in page
    assert page.count('src="data:image/png;base64,') == 3
    assert "<script" not in page
    assert replayed.result.files.text.exists()


@pytest.mark.timeout(PATIENCE_SECONDS + 30)
def test_takibi_demo_runs_the_default_replay_end_to_end(tmp_path: Path) -> None:
    """``make demo`` as a newcomer runs it. How long it takes is measured, not asserted: ``time make
    demo`` on a quiet machine (the README reports it); here other tests share the cores."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    done = subprocess.run(
        [str(TAKIBI), "demo", "--workdir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=PATIENCE_SECONDS,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr == ""
    assert "が失敗" not in done.stdout  # no job failed
    assert "この場面は続けられませんでした" not in done.stdout  # every scene played
    assert "12月6日 (日) 週末" in done.stdout  # two weeks, Monday to Sunday
    assert done.stdout.count("⚙ 週次ダイジェスト") == 2
    html = tmp_path / "demo" / "transcript.html"
    assert f"{html}" in done.stdout
    assert 'src="data:image/png;base64,' in html.read_text(encoding="utf-8")


@pytest.mark.timeout(120)
def test_the_demo_speaks_english_when_asked(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    done = subprocess.run(
        [str(TAKIBI), "demo", "--days", "1", "--locale", "en", "--workdir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "takibi demo — a 1-day replay from 2026-11-23" in done.stdout
    assert "national holiday" in done.stdout
    assert "⚙ usage pull: read=15810" in done.stdout
    assert "[Take]" in done.stdout or "[Take it]" in done.stdout


def test_a_folder_that_is_not_a_demos_is_not_deleted(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    done = subprocess.run(
        [str(TAKIBI), "demo", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"takibi: {tmp_path} はデモの作業フォルダではないため消しません。")
    assert done.stderr.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
