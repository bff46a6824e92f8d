"""Who may do what, end to end: memberships come from the stand-in (user groups, channels), the
policy from ``takibi.yml``'s ``access`` section, and a refusal changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.configfile import ConfigFileError, default_config_path, load_config_text
from bot.directory import Memberships
from bot.sandbox import SlackDriver, SlackStandIn
from handlers.services.access import AccessPolicy
from scoring.config_access import AccessAdmins, AccessMembers, AccessSettings
from storage.db import Database
from tests.e2e.conftest import (
    ADMIN,
    BOT_TOKEN,
    CHANNEL,
    COLLEAGUE,
    GUEST,
    OWNER,
    Book,
    answer_json,
    initial_state,
    table_counts,
    text_input,
    wait_for_ephemeral,
    wait_for_modal,
)

NOT_A_MEMBER = "takibi を使えるのは CS チームのメンバーだけです。"


@pytest.fixture
def takibi_config(admin_config: Path) -> Path:
    return admin_config


def test_someone_outside_the_cs_team_gets_a_polite_refusal_in_the_modal(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book, guest: str
) -> None:
    before = table_counts(database)

    slack.slash_command("assess 株式会社カミナシ", user_id=guest, channel_id=CHANNEL)

    notice = wait_for_modal(standin, guest, "takibi_notice")
    assert standin.wait_until(lambda s: NOT_A_MEMBER in s.open_views(guest)[-1]["blocks"][0]["text"]["text"])
    assert notice["submit"] is None
    assert table_counts(database) == before


def test_someone_outside_the_cs_team_cannot_read_a_status_card(
    slack: SlackDriver, standin: SlackStandIn, book: Book, guest: str
) -> None:
    slack.slash_command("status 株式会社カミナシ", user_id=guest, channel_id=CHANNEL)

    refusal = wait_for_ephemeral(standin, guest)
    assert refusal["text"].startswith(NOT_A_MEMBER)


def test_a_forged_submission_from_outside_the_team_stores_nothing(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book, guest: str
) -> None:
    slack.slash_command("assess 株式会社カミナシ", user_id=OWNER, channel_id=CHANNEL)
    view = wait_for_modal(standin, OWNER, "assess")
    before = table_counts(database)

    answer = slack.view_submission(guest, view, initial_state(view))

    assert answer_json(answer)["response_action"] == "errors"
    assert answer_json(answer)["errors"]["assess_account"].startswith(NOT_A_MEMBER)
    assert table_counts(database) == before


def test_type_ahead_offers_nothing_outside_the_team(slack: SlackDriver, book: Book, guest: str) -> None:
    answer = slack.block_suggestion(guest, "account", "assess_account", "カミナ", view={"type": "modal"})

    assert answer.json == {"options": []}


def test_a_colleague_cannot_change_someone_elses_key_people_even_by_forging_the_form(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    slack.slash_command("assess 株式会社カミナシ", user_id=COLLEAGUE, channel_id=CHANNEL)
    view = wait_for_modal(standin, COLLEAGUE, "assess")
    before = table_counts(database)
    forged = initial_state(view, **{f"person_name:po:{book.kaminashi}": text_input("乗っ取り")})

    answer = slack.view_submission(COLLEAGUE, view, forged)

    assert answer_json(answer)["response_action"] == "errors"
    owner_only = "キーパーソンと更新ヨミを変えられるのは、この顧客の担当者と管理者だけです。"
    assert answer_json(answer)["errors"] == {f"person_name:po:{book.kaminashi}": owner_only}
    assert table_counts(database) == before


def test_an_admin_may_change_anyones_key_people(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    slack.slash_command("assess 株式会社カミナシ", user_id=ADMIN, channel_id=CHANNEL)
    view = wait_for_modal(standin, ADMIN, "assess")

    slack.view_submission(
        ADMIN, view, initial_state(view, **{f"person_name:po:{book.kaminashi}": text_input("佐々木")})
    )

    confirmation = wait_for_ephemeral(standin, ADMIN)
    assert "佐々木" in confirmation["blocks"][1]["text"]["text"]


def test_any_member_may_set_key_people_of_an_unowned_account(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    slack.slash_command("assess ノーオーナー", user_id=COLLEAGUE, channel_id=CHANNEL)
    view = wait_for_modal(standin, COLLEAGUE, "assess")

    assert any(b.get("block_id") == f"person_name:po:{book.unowned}" for b in view["blocks"])


# --- the policy against Slack's memberships ----------------------------------------------------


def _policy(
    standin: SlackStandIn, settings: AccessSettings, clock: list[float] | None = None
) -> AccessPolicy:
    client = WebClient(token=BOT_TOKEN, base_url=standin.base_url)
    ticks = clock if clock is not None else [0.0]
    return AccessPolicy(settings, Memberships(client, ttl=300, monotonic=lambda: ticks[0]))


def test_members_come_from_user_groups_by_handle_or_id(standin: SlackStandIn, guest: str) -> None:
    by_handle = _policy(standin, AccessSettings(members=AccessMembers(usergroups=("@cs-team",))))
    by_id = _policy(standin, AccessSettings(members=AccessMembers(usergroups=("S0CSTEAM",))))

    assert by_handle.is_member(OWNER)
    assert by_id.is_member(OWNER)
    assert not by_handle.is_member(guest)
    assert not by_id.is_member(guest)


def test_members_come_from_channels_and_listed_users(standin: SlackStandIn, guest: str) -> None:
    leads = _policy(standin, AccessSettings(members=AccessMembers(channels=("G0CSLEADS",), users=(GUEST,))))

    assert leads.is_member(ADMIN)  # in #cs-leads
    assert leads.is_member(guest)  # listed by id
    assert not leads.is_member(OWNER)


def test_admins_are_listed_users_or_a_user_group_and_are_members(standin: SlackStandIn, guest: str) -> None:
    group = standin.add_usergroup("cs-managers", [ADMIN])
    policy = _policy(
        standin,
        AccessSettings(
            members=AccessMembers(users=(OWNER,)), admins=AccessAdmins(users=(GUEST,), usergroup=group)
        ),
    )

    assert policy.is_admin(ADMIN)
    assert policy.is_admin(guest)
    assert policy.is_member(ADMIN)
    assert policy.is_member(guest)
    assert not policy.is_admin(OWNER)
    assert policy.may_change_key_people(OWNER, OWNER)
    assert not policy.may_change_key_people(OWNER, COLLEAGUE)
    assert policy.may_change_key_people(ADMIN, COLLEAGUE)


def test_memberships_are_cached_for_the_configured_time(standin: SlackStandIn) -> None:
    clock = [0.0]
    policy = _policy(standin, AccessSettings(members=AccessMembers(usergroups=("cs-team",))), clock)
    newcomer = standin.add_user("newcomer", user_id="U0NEW")
    assert not policy.is_member(newcomer)
    calls = len(standin.calls_to("usergroups.users.list"))

    for _ in range(5):
        policy.is_member(OWNER)
    assert len(standin.calls_to("usergroups.users.list")) == calls  # answered from the cache

    clock[0] = 301.0
    policy.is_member(OWNER)
    assert len(standin.calls_to("usergroups.users.list")) == calls + 1


def test_a_failed_lookup_keeps_the_last_known_members(standin: SlackStandIn) -> None:
    clock = [0.0]
    policy = _policy(standin, AccessSettings(members=AccessMembers(usergroups=("S0CSTEAM",))), clock)
    assert policy.is_member(OWNER)
    clock[0] = 1000.0
    standin.fail_next("usergroups.users.list", status=500, times=10)

    assert policy.is_member(OWNER)


def test_nothing_known_and_slack_down_means_no_access(standin: SlackStandIn) -> None:
    policy = _policy(standin, AccessSettings(members=AccessMembers(usergroups=("S0CSTEAM",))))
    standin.fail_next("usergroups.users.list", status=500, times=10)

    assert not policy.is_member(OWNER)


# --- the access section of takibi.yml ----------------------------------------------------------


def _with_access(access: str) -> str:
    shipped = default_config_path().read_text(encoding="utf-8")
    return (
        shipped[: shipped.index("\naccess:")] + "\naccess:\n" + access + shipped[shipped.index("\nrules:") :]
    )


def test_the_shipped_configuration_lets_the_cs_team_in() -> None:
    config = load_config_text(default_config_path().read_text(encoding="utf-8"))

    assert config.access.members.usergroups == ("cs-team",)
    assert not config.access.members.everyone


def test_a_configuration_without_access_lets_everyone_in() -> None:
    shipped = default_config_path().read_text(encoding="utf-8")
    without = shipped[: shipped.index("\naccess:")] + shipped[shipped.index("\nrules:") :]

    assert load_config_text(without).access.members.everyone


def test_malformed_ids_are_reported_at_their_line() -> None:
    text = _with_access(
        "  members:\n    users: [sato]\n    channels: ['#cs-smb']\n  admins:\n    usergroup: 'CS Team'\n"
    )

    with pytest.raises(ConfigFileError) as caught:
        load_config_text(text, "takibi.yml")

    paths = {issue.path: issue.message for issue in caught.value.issues}
    assert set(paths) == {"access.members.users[0]", "access.members.channels[0]", "access.admins.usergroup"}
    assert "'sato' は Slack のユーザー ID ではありません" in paths["access.members.users[0]"]
    assert all(issue.line is not None for issue in caught.value.issues)


def test_everyone_and_lists_together_is_an_error() -> None:
    text = _with_access("  members:\n    everyone: true\n    usergroups: [cs-team]\n")

    with pytest.raises(ConfigFileError) as caught:
        load_config_text(text)

    assert [issue.path for issue in caught.value.issues] == ["access.members.everyone"]
