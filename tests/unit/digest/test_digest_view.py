"""The digest message in Japanese and English: pinned texts of each block, and Slack's limits hold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.configfile import default_config_path, load_config
from bot.i18n import Locale, Translator
from handlers.views.digest import DigestBlock, digest_message
from scoring.config_digest import DigestSettings
from scoring.digest import (
    Digest,
    DigestAccount,
    DigestCta,
    DigestInput,
    DigestSnapshot,
    DigestWeek,
    build_digest,
)
from scoring.grades import GradeScale
from scoring.health import compile_config
from scoring.model import Reason

END = date(2026, 11, 22)
JA = Translator(Locale.JA)
EN = Translator(Locale.EN)


def scale() -> GradeScale:
    return compile_config(load_config(default_config_path(), locale=Locale.JA)).scale


def sample_digest() -> Digest:
    before = END - timedelta(days=7)
    accounts = [
        DigestAccount(
            1, "株式会社カミナシ", "SMB", "U0SATO", Decimal(120000), END + timedelta(30), False, None, END
        ),
        DigestAccount(2, "有限会社<こまち>", "SMB", "U0SATO", Decimal(80000), None, False, None, None),
    ]
    current = {
        1: DigestSnapshot(1, END, 30.0, 2, 20.0, 40.0),
        2: DigestSnapshot(2, END, 81.0, 5, 90.0, 85.0),
    }
    previous = {
        1: DigestSnapshot(1, before, 50.0, 3, 40.0, 45.0),
        2: DigestSnapshot(2, before, 80.0, 5, 90.0, 84.0),
    }
    ctas = [
        DigestCta(1, "done", date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 18)),
        DigestCta(1, "dismissed", date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 19)),
        DigestCta(1, "open", date(2026, 11, 1), date(2026, 11, 10), None),
    ]
    data = DigestInput(
        week=DigestWeek(END),
        accounts=accounts,
        current=current,
        previous=previous,
        ctas=ctas,
        touchpoints=4,
        touchpoints_previous=6,
        reasons={1: [Reason("digest.unit.reason", {}, -20.0)]},
    )
    return build_digest(data, DigestSettings(movers=2))


def render(t: Translator) -> dict[str, Any]:
    message = digest_message(
        t,
        scale(),
        sample_digest(),
        team="中小企業",
        coverage_days=30,
        at_risk_days=90,
        at_risk_grade=2,
        chart=True,
    )
    return message.to_payload()


def block(payload: dict[str, Any], block_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in payload["blocks"] if b.get("block_id") == block_id)
    return found


def field_texts(payload: dict[str, Any], block_id: str) -> list[str]:
    return [f["text"] for f in block(payload, block_id)["fields"]]


def test_the_japanese_digest_pins_its_headline_figures() -> None:
    payload = render(JA)
    assert (
        payload["text"]
        == "週次ダイジェスト 11/16〜11/22 (中小企業): カバー率 50%、実施率 50%、危険 MRR ¥120,000"
    )
    assert block(payload, DigestBlock.HEADER)["text"]["text"] == "🔥 週次ダイジェスト 11/16〜11/22"
    assert field_texts(payload, DigestBlock.HEADLINE) == [
        "*カバー率* (直近 30 日に評価)\n1 / 2 社 (50%)",
        "*CTA 実施率* (期限内に完了 ÷ クローズ)\n50% ・ 目標 80% ⚠️",
        "*危険 MRR* (更新 90 日以内で評価 🟠 D 要対応 以下)\n¥120,000 ・ 1 社 (60%)",
        "*CTA*\n新規 2 ・ クローズ 2 ・ 期限超過 1",
    ]


def test_the_japanese_digest_lists_grades_movers_and_the_three_kinds_of_numbers() -> None:
    payload = render(JA)
    grades, mrr = field_texts(payload, DigestBlock.GRADES)
    assert grades.splitlines()[1:4] == [
        "🔥 A 好調  1 社 (±0)",
        "🟢 B 順調  0 社 (±0)",
        "🟡 C 注意  0 社 (-1)",
    ]
    assert "🟠 D 要対応  ¥120,000 (1 社)" in mrr
    movers = block(payload, DigestBlock.MOVERS)["text"]["text"]
    assert movers.splitlines()[1] == "⬇️ *株式会社カミナシ* 🟡 C 注意 → 🟠 D 要対応 (-20 点) ・ <@U0SATO>"
    assert "有限会社&lt;こまち&gt;" in movers  # names from the CRM are escaped
    leading, coincident, lagging = field_texts(payload, DigestBlock.NUMBERS)
    assert leading == "*先行* (スコアと利用)\n平均スコア 55.5 (-9.5)\n焚き火の状態 62.5 (-2.0)"
    assert coincident == "*一致* (私たちの行動)\n接点 4 件 (-2)\nCTA 実施率 50%"
    assert lagging.startswith("*遅行* (更新と解約)\n今週の更新 0 社 (¥0)")


def test_the_english_digest_has_the_same_blocks_in_english() -> None:
    ja, en = render(JA), render(EN)
    assert [b.get("block_id") for b in en["blocks"]] == [b.get("block_id") for b in ja["blocks"]]
    assert block(en, DigestBlock.HEADER)["text"]["text"] == "🔥 Weekly digest Nov 16–Nov 22"
    assert (
        field_texts(en, DigestBlock.HEADLINE)[1]
        == "*CTA completion* (done on time ÷ closed)\n50% · target 80% ⚠️"
    )
    assert block(en, DigestBlock.OWNERS)["text"]["text"] == "*Coverage per CSM*\n<@U0SATO> 1 / 2 (50%)"
    assert field_texts(en, DigestBlock.NUMBERS)[0].startswith("*Leading* (score and usage)")


def test_without_a_chart_the_footer_does_not_promise_one() -> None:
    message = digest_message(
        EN,
        scale(),
        sample_digest(),
        team="All",
        coverage_days=30,
        at_risk_days=90,
        at_risk_grade=2,
        chart=False,
    )
    footer = block(message.to_payload(), DigestBlock.FOOTER)["elements"][0]["text"]
    assert "chart" not in footer
