"""manifest.yml is the app's contract with Slack: it must validate against Slack's published schema
and declare everything the code registers."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from handlers.ids import Command

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "reference" / "slack-manifest.schema.v1.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_validates_against_slacks_schema(
    validator: jsonschema.Draft7Validator, manifest: dict[str, Any]
) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []


def test_schema_rejects_a_broken_manifest(
    validator: jsonschema.Draft7Validator, manifest: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["commnd"] = "/takibi"
    broken["display_information"]["name"] = "x" * 40
    assert len(list(validator.iter_errors(broken))) >= 2


def test_manifest_declares_what_the_code_registers(manifest: dict[str, Any]) -> None:
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {str(c) for c in Command}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) >= {
        "app_home_opened",
        "reaction_added",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    shortcut_types = {s["type"] for s in manifest["features"]["shortcuts"]}
    assert "message" in shortcut_types


def test_manifest_has_the_scopes_each_api_call_needs(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "commands",  # /takibi
        "chat:write",  # chat.postMessage / update / postEphemeral
        "im:write",  # conversations.open
        "users:read",  # users.info
        "users:read.email",  # users.lookupByEmail
        "reactions:read",  # reaction_added
        "reactions:write",  # reactions.add
        "files:write",  # files.getUploadURLExternal / completeUploadExternal
        "usergroups:read",  # usergroups.users.list
    }
    assert needed <= scopes
