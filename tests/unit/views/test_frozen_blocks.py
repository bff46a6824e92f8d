"""Blocks replayed from the cache of validated block JSON: the same payload as a fresh build, still
validated where it can differ, and a bounded cache."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.i18n import Translator
from handlers.services.assess import AssessForm, Person, PreviousAnswer
from handlers.views.assess import ASSESS_BLOCKS, assess_modal
from handlers.views.common import BlockCache, FrozenBlock, uncached, view_json
from scoring.config import TakibiConfig
from scoring.config_parse import parse_config
from scoring.model import AnswerValue
from storage.enums import KeyPersonRole, RenewalForecast
from tests.unit.scoring.builders import config_data
from tests.unit.views.surface_data import EN, JA, TODAY, assess_form, config, kaminashi


def section(block_id: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text="*焚き火* & co"))


def modal(blocks: list[Block]) -> View:
    return View(type="modal", callback_id="c", title=PlainTextObject(text="t"), blocks=blocks)


# --- FrozenBlock ----------------------------------------------------------------------------------------


def test_a_frozen_block_in_a_view_gives_what_the_block_it_froze_gives() -> None:
    frozen = section("scoped:1").to_dict()

    replayed = modal([FrozenBlock(frozen, block_id="scoped:2")]).to_dict()

    assert replayed == modal([section("scoped:2")]).to_dict()
    assert list(replayed["blocks"][0]) == list(frozen)


def test_a_frozen_block_without_a_block_id_keeps_the_one_it_froze() -> None:
    frozen = section("kept").to_dict()

    assert FrozenBlock(frozen).to_dict() == frozen
    assert modal([FrozenBlock(frozen)]).to_dict()["blocks"] == [frozen]


def test_a_too_long_block_id_is_still_refused() -> None:
    block = FrozenBlock(section("short").to_dict(), block_id="x" * 256)

    with pytest.raises(SlackObjectFormationError, match="block_id"):
        block.to_dict()
    with pytest.raises(SlackObjectFormationError, match="block_id"):
        modal([block]).to_dict()


def test_the_view_around_frozen_blocks_is_still_validated() -> None:
    frozen = section("one").to_dict()

    with pytest.raises(SlackObjectFormationError, match="between 1 and 100 blocks"):
        modal([FrozenBlock(frozen, block_id=f"b{n}") for n in range(101)]).to_dict()


def test_a_view_as_json_text_is_the_json_of_its_to_dict() -> None:
    frozen = section("scoped:1").to_dict()
    cache = BlockCache()
    cached = cache.block("k", partial(section, "scoped:1"), block_id="scoped:9")
    view = modal([FrozenBlock(frozen), FrozenBlock(frozen, block_id="scoped:2"), cached, section("fresh")])
    view.private_metadata = '{"a": "\\"quoted\\" 焚き火"}'

    assert json.loads(view_json(view)) == view.to_dict()
    assert [block["block_id"] for block in json.loads(view_json(view))["blocks"]] == [
        "scoped:1",
        "scoped:2",
        "scoped:9",
        "fresh",
    ]


def test_a_view_as_json_text_is_validated_as_to_dict_validates_it() -> None:
    frozen = section("one").to_dict()

    with pytest.raises(SlackObjectFormationError, match="between 1 and 100 blocks"):
        view_json(modal([FrozenBlock(frozen, block_id=f"b{n}") for n in range(101)]))
    with pytest.raises(SlackObjectFormationError, match="block_id"):
        view_json(modal([FrozenBlock(frozen, block_id="x" * 256)]))
    with pytest.raises(SlackObjectFormationError, match="title"):
        view_json(View(type="modal", title=PlainTextObject(text="t" * 25), blocks=[FrozenBlock(frozen)]))
    with pytest.raises(SlackObjectFormationError):
        view_json(modal([SectionBlock(block_id="b", text=MarkdownTextObject(text="x" * 3001))]))


def test_patching_the_block_id_leaves_the_frozen_json_as_it_was() -> None:
    frozen = section("scoped:1").to_dict()
    before = copy.deepcopy(frozen)

    FrozenBlock(frozen, block_id="scoped:2").to_dict()
    modal([FrozenBlock(frozen, block_id="scoped:3")]).to_dict()

    assert frozen == before


# --- the assess modal: cached == built afresh --------------------------------------------------------


def uncached_modal(t: Translator, cfg: TakibiConfig, form: AssessForm) -> dict[str, Any]:
    with uncached():
        view = assess_modal(t, cfg, form, "{}")
    assert not any(isinstance(block, FrozenBlock) for block in view.blocks)
    return view.to_dict()


def assert_same_payload(cached: dict[str, Any], fresh: dict[str, Any]) -> None:
    assert cached == fresh
    assert json.dumps(cached, sort_keys=True, ensure_ascii=False) == json.dumps(
        fresh, sort_keys=True, ensure_ascii=False
    )


def with_answers(
    form: AssessForm, *, today: date, answered: dict[str, tuple[AnswerValue, int]]
) -> AssessForm:
    """``form`` on ``today`` with answers given as (value, days ago)."""
    previous = {
        qid: PreviousAnswer(value, today - timedelta(days=ago)) for qid, (value, ago) in answered.items()
    }
    return replace(form, today=today, previous=previous)


FORMS = {
    "no account": AssessForm(today=TODAY, reader="U0SATO"),
    "as pinned": assess_form(),
    "read-only people": assess_form(may_change_people=False),
    "fresh answers": with_answers(
        assess_form(), today=TODAY, answered={"po_engagement": (5, 3), "open_opposition": (True, 0)}
    ),
    "stale answers": with_answers(
        assess_form(), today=TODAY, answered={"po_engagement": (2, 200), "open_opposition": (False, 800)}
    ),
    "an answer no longer valid": with_answers(
        assess_form(), today=TODAY, answered={"po_engagement": (9, 21)}
    ),
    "no answers, no renewal forecast": replace(
        assess_form(), previous={}, account=replace(kaminashi(), renewal_forecast=None)
    ),
    "another day": with_answers(
        assess_form(), today=TODAY + timedelta(days=1), answered={"po_engagement": (4, 1)}
    ),
}


@pytest.mark.parametrize("t", [JA, EN], ids=["ja", "en"])
@pytest.mark.parametrize("name", list(FORMS))
def test_the_cached_modal_is_the_modal_built_afresh(t: Translator, name: str) -> None:
    cfg = config()
    form = FORMS[name]

    first = assess_modal(t, cfg, form, "{}").to_dict()
    again = assess_modal(t, cfg, form, "{}")

    assert_same_payload(first, uncached_modal(t, cfg, form))
    assert_same_payload(again.to_dict(), first)
    assert_same_payload(json.loads(view_json(again)), first)


@pytest.mark.parametrize("t", [JA, EN], ids=["ja", "en"])
def test_an_account_with_the_same_answers_as_another_is_served_from_the_cache(t: Translator) -> None:
    cfg = config()
    kaminashi_form = assess_form()
    other = replace(
        kaminashi_form,
        account=replace(kaminashi(), id=43, name="カミナシ物流株式会社", owner_slack_id=None),
        people={KeyPersonRole.PL: Person(8, KeyPersonRole.PL, "鈴木 <PL>", date(2024, 1, 1))},
    )
    assess_modal(t, cfg, kaminashi_form, "{}").to_dict()
    entries = len(ASSESS_BLOCKS)

    view = assess_modal(t, cfg, other, "{}")
    payload = view.to_dict()

    assert len(ASSESS_BLOCKS) == entries + 1  # its account line: no owner
    assert sum(isinstance(block, FrozenBlock) for block in view.blocks) >= len(cfg.questions) + 10
    assert_same_payload(payload, uncached_modal(t, cfg, other))
    block_ids = [block.get("block_id") for block in payload["blocks"]]
    assert {"question:po_engagement:43", "question:open_opposition:43", "renewal:43"} <= set(block_ids)
    assert not any(str(block_id).endswith(":42") for block_id in block_ids)


def test_a_reloaded_configuration_is_not_served_blocks_of_the_one_before() -> None:
    before = config()
    assess_modal(JA, before, assess_form(), "{}").to_dict()
    data = config_data()
    data["elements"]["firewood"]["label"] = {"ja": "新しい薪", "en": "New firewood"}
    data["questions"] = [
        {
            "id": "po_engagement",
            "element": "firewood",
            "kind": "scale5",
            "label": {"ja": "新しい問い", "en": "New question"},
        }
    ]
    reloaded = parse_config(data)

    payload = assess_modal(JA, reloaded, assess_form(), "{}").to_dict()

    assert_same_payload(payload, uncached_modal(JA, reloaded, assess_form()))
    texts = json.dumps(payload, ensure_ascii=False)
    assert ("新しい問い" in texts, "新しい薪" in texts) == (True, True)
    assert ("PO の関与" in texts, "🪵 薪" in texts) == (False, False)


def test_the_renewal_forecast_picks_its_own_cached_block() -> None:
    cfg = config()
    for forecast in (*RenewalForecast, None):
        form = replace(assess_form(), account=replace(kaminashi(), renewal_forecast=forecast))
        assert_same_payload(assess_modal(JA, cfg, form, "{}").to_dict(), uncached_modal(JA, cfg, form))


# --- BlockCache ---------------------------------------------------------------------------------------


def counting_builds() -> tuple[list[str], Any]:
    built: list[str] = []

    def build(block_id: str) -> Any:
        def make() -> Block:
            built.append(block_id)
            return section(block_id)

        return make

    return built, build


def test_the_cache_keeps_at_most_maxsize_entries_and_drops_the_least_recently_used() -> None:
    cache = BlockCache(maxsize=3)
    built, build = counting_builds()
    for key in ("a", "b", "c"):
        cache.get(key, build(key))
    cache.get("a", build("a"))

    cache.get("d", build("d"))
    cache.get("a", build("a"))
    cache.get("b", build("b"))

    assert len(cache) == 3
    assert built == ["a", "b", "c", "d", "b"]


def test_the_cache_returns_the_validated_json_and_builds_it_once() -> None:
    cache = BlockCache()
    built, build = counting_builds()

    first = cache.get("k", build("x"))
    second = cache.get("k", build("y"))

    assert first is second
    assert first == section("x").to_dict()
    assert built == ["x"]


def test_the_assess_cache_is_bounded() -> None:
    assert ASSESS_BLOCKS.maxsize == 4096
    assert len(ASSESS_BLOCKS) <= ASSESS_BLOCKS.maxsize


def test_the_cache_stays_bounded_when_threads_share_it() -> None:
    cache = BlockCache(maxsize=8)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for n in range(300):
                key = f"k{(n + offset) % 20}"
                assert cache.get(key, partial(section, key))["block_id"] == key
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(cache) <= 8
