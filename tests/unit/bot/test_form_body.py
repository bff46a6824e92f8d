"""``bot.form_body`` reads every body exactly as ``urllib.parse`` / Bolt do (bar the two documented
differences), on real Slack payloads and on generated ones, well-formed or not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body as bolt_parse_body

from bot import form_body

SAMPLES = Path("/work/shared/reference/slack-samples")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# Characters that make escapes interesting: the escape sign, hex digits, separators, a backslash
# (unicode_escape's own escape), non-ASCII text and astral characters.
TRICKY = st.text(alphabet=st.sampled_from([*list('%+&=\\xu0123456789abcdefABCDEFgG ;/"{}'), "燃", "é", "🔥"]))


def slack_form(payload: Any) -> str:
    """An interaction as Slack posts it: ``payload=<url-encoded JSON>``."""
    return "payload=" + quote_plus(json.dumps(payload, ensure_ascii=False))


@given(st.one_of(st.text(), TRICKY))
@settings(max_examples=600)
def test_unquote_plus_matches_urllib_on_any_text(text: str) -> None:
    assert form_body.unquote_plus(text) == unquote_plus(text)


@given(st.one_of(st.text(), TRICKY))
@settings(max_examples=600)
def test_unquote_plus_matches_urllib_on_encoded_text(text: str) -> None:
    for encoded in (quote_plus(text), quote(text, safe="")):
        assert form_body.unquote_plus(encoded) == unquote_plus(encoded) == text


@given(st.lists(st.binary(max_size=12), max_size=6))
def test_unquote_plus_matches_urllib_on_bytes_that_are_not_utf8(chunks: list[bytes]) -> None:
    encoded = "&".join(quote_plus(chunk) for chunk in chunks)
    assert form_body.unquote_plus(encoded) == unquote_plus(encoded)


@given(st.one_of(st.text(), TRICKY, st.dictionaries(st.text(), st.text()).map(urlencode)))
@settings(max_examples=600)
def test_parse_form_matches_parse_qsl(body: str) -> None:
    assert form_body.parse_form(body) == dict(parse_qsl(body, keep_blank_values=True))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=6))
@settings(max_examples=300)
def test_an_interaction_reads_as_bolt_reads_it(payload: dict[str, Any]) -> None:
    body = slack_form(payload)
    assert form_body.parse_body(body, FORM) == bolt_parse_body(body, FORM) == payload


@pytest.mark.parametrize(
    "name",
    [
        *sorted(
            path.name
            for path in SAMPLES.glob("*.json")
            if path.name.startswith(("view_submission.", "block_"))
        ),
        "message_action.message_shortcut.slack-docs-via-java-sdk-test.json",
    ],
)
def test_real_interactions_read_as_bolt_reads_them(name: str) -> None:
    payload = json.loads((SAMPLES / name).read_text())
    body = slack_form(payload)
    assert form_body.parse_body(body, FORM) == bolt_parse_body(body, FORM) == payload


def test_a_real_slash_command_reads_as_bolt_reads_it() -> None:
    sample = json.loads((SAMPLES / "slash_command.form_fields.bolt-python-test.json").read_text())
    body = urlencode({**sample, "text": "assess 株式会社カミナシ & co = 100%"})
    assert form_body.parse_body(body, FORM) == bolt_parse_body(body, FORM)
    assert form_body.parse_body(body, FORM)["text"] == "assess 株式会社カミナシ & co = 100%"


def test_events_are_json() -> None:
    event = json.loads((SAMPLES / "event_callback.reaction_added.slack-docs.json").read_text())
    body = json.dumps(event)
    assert form_body.parse_body(body, JSON) == bolt_parse_body(body, JSON)
    assert form_body.parse_body("", FORM) == bolt_parse_body("", FORM) == {}


def test_a_command_that_mentions_payload_is_still_a_command() -> None:
    """Bolt reads this as an interaction without a payload (an empty body no listener matches)."""
    body = urlencode({"command": "/takibi", "text": "status payload", "user_id": "U0SATO"})
    assert bolt_parse_body(body, FORM) == {}
    assert form_body.parse_body(body, FORM) == {
        "command": "/takibi",
        "text": "status payload",
        "user_id": "U0SATO",
    }


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=%7B", FORM),
        ("payload=%5B1%5D", FORM),
        ("payload=42", FORM),
        ("{not json", FORM),
        ("[1, 2]", JSON),
    ],
)
def test_a_body_that_is_not_a_json_object_reads_as_empty(body: str, content_type: str) -> None:
    assert form_body.parse_body(body, content_type) == {}
