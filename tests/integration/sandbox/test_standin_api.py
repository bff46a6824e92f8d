"""Each Web API method answers in Slack's shape, through the real ``slack_sdk.WebClient``."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SlackStandIn

from .conftest import BOT_TOKEN, fetch, sample

CHANNEL = "C0CSSMB"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* のヘルススコアが C に下がりました"}}
MODAL = {
    "type": "modal",
    "callback_id": "assess",
    "title": {"type": "plain_text", "text": "アセスメント"},
    "submit": {"type": "plain_text", "text": "保存"},
    "blocks": [
        {
            "type": "input",
            "block_id": "po",
            "label": {"type": "plain_text", "text": "PO"},
            "element": {"type": "plain_text_input", "action_id": "name"},
        }
    ],
}
HOME = {"type": "home", "blocks": [SECTION]}


def test_auth_test_names_the_bot_and_team(client: WebClient) -> None:
    answer = client.auth_test()

    assert answer.data == {
        "ok": True,
        "url": "https://takibi-dev.slack.com/",
        "team": "Takibi Dev",
        "user": "takibi",
        "team_id": "T0TAKIBI",
        "user_id": "U0TAKIBIBOT",
        "bot_id": "B0TAKIBI",
        "is_enterprise_install": False,
    }
    assert set(answer.data) <= set(sample("api_response.auth.test.field_union.java-sdk-json-logs.json"))


def test_post_message_answers_channel_ts_and_message(client: WebClient, standin: SlackStandIn) -> None:
    answer = client.chat_postMessage(channel=CHANNEL, text="fallback", blocks=[SECTION])

    assert answer["ok"] is True
    assert answer["channel"] == CHANNEL
    assert answer["message"]["ts"] == answer["ts"]
    assert answer["message"]["bot_id"] == "B0TAKIBI"
    assert answer["message"]["blocks"][0]["block_id"]  # Slack fills block ids in
    assert standin.messages(CHANNEL)[-1]["text"] == "fallback"


def test_message_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=CHANNEL, text=str(i))["ts"] for i in range(20)]

    assert len(set(stamps)) == 20
    assert stamps == sorted(stamps, key=lambda ts: tuple(int(p) for p in ts.split(".")))
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_concurrent_posts_all_land_with_distinct_timestamps(standin: SlackStandIn) -> None:
    def post(i: int) -> str:
        client = WebClient(token=BOT_TOKEN, base_url=standin.base_url)
        return str(client.chat_postMessage(channel=CHANNEL, text=f"m{i}")["ts"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        stamps = list(pool.map(post, range(100)))

    assert len(set(stamps)) == 100
    assert len(standin.messages(CHANNEL)) == 100
    assert len(standin.calls) == 100


def test_post_message_to_a_user_id_lands_in_the_apps_dm(client: WebClient, standin: SlackStandIn) -> None:
    answer = client.chat_postMessage(channel="U0SATO", text="こんにちは")

    assert answer["channel"].startswith("D")
    assert answer["channel"] == standin.dm_channel("U0SATO")


def test_update_edits_the_message_in_place(client: WebClient, standin: SlackStandIn) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="作業中…")["ts"]

    answer = client.chat_update(channel=CHANNEL, ts=ts, text="完了", blocks=[SECTION])

    assert (answer["ts"], answer["text"]) == (ts, "完了")
    (only,) = standin.messages(CHANNEL)
    assert only["text"] == "完了"
    assert only["blocks"][0]["text"] == SECTION["text"]
    assert only["edited"]["user"] == "U0TAKIBIBOT"


def test_update_of_a_missing_message_is_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel=CHANNEL, ts="1.000001", text="x")

    assert refused.value.response["error"] == "message_not_found"


def test_post_ephemeral_records_user_and_channel(client: WebClient, standin: SlackStandIn) -> None:
    answer = client.chat_postEphemeral(channel=CHANNEL, user="U0EMILY", text="only you")

    assert set(answer.data) == {"ok", "message_ts"}
    (ephemeral,) = standin.ephemerals(CHANNEL, "U0EMILY")
    assert ephemeral["message"]["text"] == "only you"
    assert ephemeral["source"] == "chat.postEphemeral"
    assert standin.messages(CHANNEL) == []


def test_post_ephemeral_to_a_non_member_is_user_not_in_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.chat_postEphemeral(channel="G0CSLEADS", user="U0EMILY", text="x")

    assert refused.value.response["error"] == "user_not_in_channel"


def test_get_permalink_points_at_the_message(client: WebClient) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="x")["ts"]

    answer = client.chat_getPermalink(channel=CHANNEL, message_ts=ts)

    assert answer["permalink"] == f"https://takibi-dev.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"


def test_thread_replies_show_in_replies_not_in_history(client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="CTA: PO 不在")["ts"]
    client.chat_postMessage(channel=CHANNEL, text="対応します", thread_ts=parent)

    history = client.conversations_history(channel=CHANNEL)
    replies = client.conversations_replies(channel=CHANNEL, ts=parent)

    assert [m["text"] for m in history["messages"]] == ["CTA: PO 不在"]
    assert history["messages"][0]["reply_count"] == 1
    assert [m["text"] for m in replies["messages"]] == ["CTA: PO 不在", "対応します"]
    assert replies["messages"][1]["thread_ts"] == parent


def test_history_pages_newest_first_with_a_cursor(client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel=CHANNEL, text=f"m{i}")

    first = client.conversations_history(channel=CHANNEL, limit=3)
    second = client.conversations_history(
        channel=CHANNEL, limit=3, cursor=first["response_metadata"]["next_cursor"]
    )

    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["m1", "m0"]
    assert second["response_metadata"]["next_cursor"] == ""


def test_metadata_round_trips_through_history_only_when_asked(client: WebClient) -> None:
    metadata = {"event_type": "takibi_delivery", "event_payload": {"delivery_id": "d-42"}}
    client.chat_postMessage(channel=CHANNEL, text="digest", metadata=metadata)

    with_metadata = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    without = client.conversations_history(channel=CHANNEL)

    assert with_metadata["messages"][0]["metadata"] == metadata
    assert "metadata" not in without["messages"][0]


def test_conversations_open_gives_a_dm_once_then_no_op(client: WebClient) -> None:
    first = client.conversations_open(users="U0SUZUKI")
    again = client.conversations_open(users="U0SUZUKI")

    assert first.data == {"ok": True, "channel": {"id": first["channel"]["id"]}}
    assert first["channel"]["id"].startswith("D")
    assert again["no_op"] is True
    assert again["already_open"] is True
    assert again["channel"]["id"] == first["channel"]["id"]


def test_conversations_members_lists_the_channel(client: WebClient) -> None:
    answer = client.conversations_members(channel=CHANNEL)

    assert "U0SATO" in answer["members"]
    assert answer["response_metadata"] == {"next_cursor": ""}


def test_users_info_gives_locale_only_when_asked(client: WebClient) -> None:
    with_locale = client.users_info(user="U0SATO", include_locale=True)["user"]
    without = client.users_info(user="U0SATO")["user"]

    assert with_locale["locale"] == "ja-JP"
    assert with_locale["tz"] == "Asia/Tokyo"
    assert with_locale["tz_offset"] == 9 * 3600
    assert "locale" not in without
    union = sample("api_response.users.info.field_union.java-sdk-json-logs.json")["user"]
    assert set(with_locale) <= set(union)
    assert set(with_locale["profile"]) <= set(union["profile"])


def test_users_info_for_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.users_info(user="U0NOBODY")

    assert refused.value.response.data == {"ok": False, "error": "user_not_found"}


def test_lookup_by_email_finds_the_user(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="emily@takibi.example")["user"]["id"] == "U0EMILY"


def test_lookup_by_unknown_email_is_users_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.users_lookupByEmail(email="nobody@example.com")

    assert refused.value.response["error"] == "users_not_found"


def test_usergroup_users_list_gives_members(client: WebClient, standin: SlackStandIn) -> None:
    group = standin.add_usergroup("cs-enterprise", ["U0TAKAHASHI", "U0JAMES"])

    assert client.usergroups_users_list(usergroup=group).data == {
        "ok": True,
        "users": ["U0TAKAHASHI", "U0JAMES"],
    }
    assert "U0SATO" in client.usergroups_users_list(usergroup="S0CSTEAM")["users"]


def test_reactions_add_marks_the_message_once(client: WebClient, standin: SlackStandIn) -> None:
    ts = standin.post_as_user(CHANNEL, "U0SATO", "PO が退職しました")

    assert client.reactions_add(channel=CHANNEL, timestamp=ts, name="eyes").data == {"ok": True}
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel=CHANNEL, timestamp=ts, name="eyes")

    assert again.value.response["error"] == "already_reacted"
    assert standin.message(CHANNEL, ts)["reactions"] == [  # type: ignore[index]
        {"name": "eyes", "users": ["U0TAKIBIBOT"], "count": 1}
    ]


def test_views_open_answers_a_full_view(client: WebClient, standin: SlackStandIn) -> None:
    answer = client.views_open(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)

    view = answer["view"]
    assert view["id"].startswith("V")
    assert view["root_view_id"] == view["id"]
    assert view["state"] == {"values": {}}
    assert view["callback_id"] == "assess"
    assert set(view) >= set(sample("api_response.views.open.ok0.slack-docs-via-slack-api-ref.json")["view"])
    assert standin.open_views("U0SATO") == [view]


def test_views_open_takes_the_view_as_json_text_and_records_when_its_trigger_was_used(
    client: WebClient, standin: SlackStandIn
) -> None:
    used, unused = standin.issue_trigger_id("U0SATO"), standin.issue_trigger_id("U0SATO")

    answer = client.api_call("views.open", json={"trigger_id": used, "view": json.dumps(MODAL)})

    assert answer["view"]["callback_id"] == "assess"
    triggers = {trigger.id: trigger for trigger in standin.triggers()}
    used_at = triggers[used].used_at
    assert used_at is not None
    assert used_at >= triggers[used].issued_at
    assert (triggers[unused].used, triggers[unused].used_at) == (False, None)


def test_views_update_honours_hash(client: WebClient, standin: SlackStandIn) -> None:
    opened = client.views_open(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)["view"]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**MODAL, "callback_id": "v2"}
    )

    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)

    assert updated["view"]["id"] == opened["id"]
    assert updated["view"]["hash"] != opened["hash"]
    assert stale.value.response["error"] == "hash_conflict"


def test_views_push_stacks_at_most_three(client: WebClient, standin: SlackStandIn) -> None:
    root = client.views_open(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)["view"]
    pushed = client.views_push(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)["view"]
    client.views_push(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)

    with pytest.raises(SlackApiError) as fourth:
        client.views_push(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)

    assert (pushed["root_view_id"], pushed["previous_view_id"]) == (root["id"], root["id"])
    assert fourth.value.response["error"] == "push_limit_reached"


def test_views_publish_keeps_one_home_per_user(client: WebClient, standin: SlackStandIn) -> None:
    first = client.views_publish(user_id="U0SATO", view=HOME)["view"]
    second = client.views_publish(user_id="U0SATO", view=HOME, hash=first["hash"])["view"]

    assert first["type"] == "home"
    assert second["id"] == first["id"]
    assert standin.published_home("U0SATO") == second


def test_unknown_method_is_unknown_method_with_http_200(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("chat.teleport")

    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == "unknown_method"


def test_missing_token_is_not_authed(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=standin.base_url).auth_test()

    assert refused.value.response.data == {"ok": False, "error": "not_authed"}


def test_unknown_token_is_invalid_auth(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxp-user-token", base_url=standin.base_url).auth_test()

    assert refused.value.response.data == {"ok": False, "error": "invalid_auth"}


def test_configured_tokens_are_the_only_ones_accepted() -> None:
    with SlackStandIn(tokens=["xoxb-only-this"]) as strict:
        assert WebClient(token="xoxb-only-this", base_url=strict.base_url).auth_test()["ok"]
        with pytest.raises(SlackApiError) as refused:
            WebClient(token="xoxb-another", base_url=strict.base_url).auth_test()

    assert refused.value.response["error"] == "invalid_auth"


def test_token_can_come_as_a_form_field(standin: SlackStandIn) -> None:
    body = fetch(
        standin.base_url + "auth.test",
        data=f"token={BOT_TOKEN}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert json.loads(body)["ok"] is True


def test_json_without_charset_gets_slacks_warning(standin: SlackStandIn) -> None:
    body = json.loads(
        fetch(
            standin.base_url + "auth.test",
            data=b"{}",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {BOT_TOKEN}"},
        )
    )

    assert body["warning"] == "missing_charset"
    assert body["response_metadata"]["warnings"] == ["missing_charset"]


def test_calls_are_recorded_with_decoded_params(client: WebClient, standin: SlackStandIn) -> None:
    client.chat_postMessage(channel=CHANNEL, text="x", blocks=[SECTION])
    client.users_info(user="U0SATO")  # form-encoded

    post, info = standin.calls_to("chat.postMessage")[0], standin.calls_to("users.info")[0]
    assert post.params["blocks"] == [SECTION]
    assert (post.status, post.token, post.ok) == (200, BOT_TOKEN, True)
    assert info.params == {"user": "U0SATO"}
    assert [c.method for c in standin.calls] == ["chat.postMessage", "users.info"]


def test_state_and_calls_are_served_as_json(client: WebClient, standin: SlackStandIn) -> None:
    client.chat_postMessage(channel=CHANNEL, text="for the demo")

    state = json.loads(fetch(standin.origin + "/_standin/state"))
    calls = json.loads(fetch(standin.origin + "/_standin/calls"))

    channel = next(c for c in state["channels"] if c["id"] == CHANNEL)
    assert channel["messages"][0]["text"] == "for the demo"
    assert [c["method"] for c in calls] == ["chat.postMessage"]


def test_reset_restores_the_seeded_workspace(client: WebClient, standin: SlackStandIn) -> None:
    client.chat_postMessage(channel=CHANNEL, text="x")
    standin.add_user("extra")
    standin.fail_next("auth.test", status=500)

    standin.reset()

    assert standin.messages(CHANNEL) == []
    assert standin.calls == []
    assert client.auth_test()["ok"] is True
    assert standin.user_name("U0SATO") == "sato"
