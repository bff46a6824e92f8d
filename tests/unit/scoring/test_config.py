"""The takibi.yml schema: shape errors, cross-field checks with precise paths, and config_version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.config import ConfigProblem, TakibiConfig
from scoring.config_parse import InvalidConfigError, parse_config
from tests.unit.scoring.builders import config_data, make_config

DEFAULT_FILE = Path(__file__).resolve().parents[3] / "bot" / "defaults" / "takibi.yml"


def problems_of(data: dict[str, Any]) -> list[ConfigProblem]:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config(data)
    return list(caught.value.problems)


def keyed(data: dict[str, Any]) -> dict[tuple[str | int, ...], str]:
    return {p.loc: p.key for p in problems_of(data)}


def test_shipped_default_is_valid() -> None:
    config = parse_config(yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8")))
    assert {s.id for s in config.segments} == {"SMB", "MM", "EP"}
    assert [m.id for m in config.fire.metrics] == [
        "login_rate",
        "weekly_active_user_ratio",
        "key_feature_use",
        "onboarding_delay_days",
    ]
    assert config.fire.metrics[0].target == 0.6
    assert config.aggregation.mode == "chain"


def test_shipped_default_has_both_languages_everywhere() -> None:
    config = parse_config(yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8")))
    for question in config.questions:
        assert question.label.ja
        assert question.label.en
        assert question.help is not None
        assert question.help.ja
        assert question.help.en


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config(["not", "a", "mapping"])
    assert caught.value.problems[0].key == "config.error.not_mapping"


def test_unknown_key_is_an_error_with_a_suggestion() -> None:
    data = config_data()
    data["elements"]["wind"]["wieght"] = data["elements"]["wind"].pop("weight")
    found = {p.loc: p for p in problems_of(data)}
    typo = found[("elements", "wind", "wieght")]
    assert typo.key == "config.error.unknown_key_hint"
    assert typo.params == {"key": "wieght", "hint": "weight"}
    assert typo.on_key
    assert found[("elements", "wind", "weight")].key == "config.error.missing"


def test_errors_inside_a_question_drop_the_union_tag_from_the_path() -> None:
    data = config_data()
    del data["questions"][3]["label"]["ja"]
    assert keyed(data) == {("questions", 3, "label", "ja"): "config.error.missing"}


def test_unknown_question_kind_points_at_kind() -> None:
    data = config_data()
    data["questions"][0]["kind"] = "slider"
    [problem] = problems_of(data)
    assert problem.loc == ("questions", 0, "kind")
    assert problem.params["kind"] == "slider"


def test_negative_weight_is_refused() -> None:
    data = config_data()
    data["elements"]["ember"]["weight"] = -1
    [problem] = problems_of(data)
    assert (problem.loc, problem.key, problem.params["limit"]) == (
        ("elements", "ember", "weight"),
        "config.error.ge",
        0,
    )


def test_choice_score_out_of_range() -> None:
    data = config_data()
    data["questions"][3]["choices"][0]["score"] = 120
    assert keyed(data) == {("questions", 3, "choices", 0, "score"): "config.error.le"}


def test_unquoted_no_as_an_id_gets_a_hint() -> None:
    data = config_data()
    data["questions"][3]["choices"][0]["id"] = False
    assert keyed(data) == {("questions", 3, "choices", 0, "id"): "config.error.text_bool"}


def test_reference_grade_must_be_one_to_five() -> None:
    data = config_data()
    data["reference_accounts"] = {"CUST-9": 6}
    assert keyed(data) == {("reference_accounts", "CUST-9"): "config.error.le"}


def test_numeric_reference_ids_are_kept_as_text() -> None:
    data = config_data()
    data["reference_accounts"] = {10234: 4}
    assert make_config(data).reference_accounts == {"10234": 4}


def test_duplicate_question_ids() -> None:
    data = config_data()
    data["questions"][4]["id"] = "po_engagement"
    [problem] = problems_of(data)
    assert problem.loc == ("questions", 4, "id")
    assert problem.params == {"id": "po_engagement", "first": 1}


def test_duplicate_metric_and_segment_ids() -> None:
    data = config_data()
    data["fire"]["metrics"][1]["id"] = "login_rate"
    data["segments"].append({"id": "SMB", "label": {"ja": "重複", "en": "Duplicate"}})
    assert keyed(data) == {
        ("fire", "metrics", 1, "id"): "config.error.duplicate_id",
        ("segments", 3, "id"): "config.error.duplicate_id",
    }


def test_question_element_must_be_qualitative() -> None:
    data = config_data()
    data["questions"][2]["element"] = "fire"
    assert keyed(data) == {("questions", 2, "element"): "config.error.question_element"}


def test_unknown_segment_in_overrides_points_at_the_key() -> None:
    data = config_data()
    data["fire"]["metrics"][0]["segments"]["XL"] = {"target": 0.9}
    data["wind"]["frequency"]["segments"]["XS"] = {"target": 1}
    found = {p.loc: p for p in problems_of(data)}
    assert found[("fire", "metrics", 0, "segments", "XL")].on_key
    assert found[("wind", "frequency", "segments", "XS")].params["segment"] == "XS"


def test_metric_target_must_be_on_the_good_side_of_the_floor() -> None:
    data = config_data()
    data["fire"]["metrics"][0]["target"] = 0.05
    data["fire"]["metrics"][0]["segments"] = {}
    assert keyed(data) == {("fire", "metrics", 0, "target"): "config.error.target_below_floor"}


def test_segment_override_is_checked_after_merging() -> None:
    data = config_data()
    data["fire"]["metrics"][0]["segments"]["EP"] = {"floor": 0.9}
    assert keyed(data) == {("fire", "metrics", 0, "segments", "EP"): "config.error.target_below_floor"}


def test_onboarding_delay_must_be_lower_is_better() -> None:
    data = config_data()
    metric = data["fire"]["metrics"][2]
    metric.update(direction="higher_is_better", target=60, floor=0)
    assert keyed(data) == {("fire", "metrics", 2, "direction"): "config.error.onboarding_direction"}


def test_wind_recency_bad_after_good() -> None:
    data = config_data()
    data["wind"]["recency"]["bad_beyond_days"] = 10
    assert keyed(data) == {("wind", "recency", "bad_beyond_days"): "config.error.bad_not_after_good"}


def test_exactly_five_grades() -> None:
    data = config_data()
    data["grades"].pop()
    assert keyed(data) == {("grades",): "config.error.grade_count"}


def test_grade_boundaries_must_increase() -> None:
    data = config_data()
    data["grades"][1]["min_score"] = 85  # grade 4 above grade 5's 80
    assert keyed(data) == {("grades", 0, "min_score"): "config.error.grade_order"}


def test_lowest_grade_starts_at_zero() -> None:
    data = config_data()
    data["grades"][4]["min_score"] = 5
    assert keyed(data) == {("grades", 4, "min_score"): "config.error.grade_first_zero"}


def test_all_element_weights_zero() -> None:
    data = config_data()
    for element in data["elements"].values():
        element["weight"] = 0
    assert keyed(data) == {("elements",): "config.error.all_weights_zero"}


def test_model_validate_alone_also_refuses_cross_field_problems() -> None:
    data = config_data()
    data["questions"][2]["element"] = "wind"
    with pytest.raises(ValueError, match="problem"):
        TakibiConfig.model_validate(data)


def test_config_version_ignores_key_order_and_spelled_out_defaults() -> None:
    data = config_data()
    reordered = dict(reversed(list(data.items())))
    reordered["elements"] = dict(reversed(list(data["elements"].items())))
    spelled = config_data()
    spelled["fire"]["metrics"][1]["segments"] = {}
    spelled["aggregation"]["mode"] = "chain"
    assert make_config(data).config_version == make_config(reordered).config_version
    assert make_config(data).config_version == make_config(spelled).config_version
    assert len(make_config(data).config_version) == 12


def test_config_version_changes_with_meaning() -> None:
    data = config_data()
    heavier = config_data()
    heavier["questions"][0]["weight"] = 4
    target = config_data()
    target["fire"]["metrics"][0]["target"] = 0.65
    versions = {make_config(d).config_version for d in (data, heavier, target)}
    assert len(versions) == 3
