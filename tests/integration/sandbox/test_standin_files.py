"""``files_upload_v2`` end to end: upload URL, bytes, completion, a file message in the channel."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SlackStandIn

from .conftest import BOT_TOKEN, fetch, sample

CHANNEL = "C0CSEP"
CSV = b"account,grade\nAcme,C\n"


def test_files_upload_v2_lands_a_file_message_in_the_channel(
    client: WebClient, standin: SlackStandIn
) -> None:
    answer = client.files_upload_v2(
        channel=CHANNEL, content=CSV, filename="health.csv", title="週次ヘルス", initial_comment="今週の一覧"
    )

    file = answer["file"]
    (message,) = standin.messages(CHANNEL)
    assert file["name"] == "health.csv"
    assert file["title"] == "週次ヘルス"
    assert file["size"] == len(CSV)
    assert message["text"] == "今週の一覧"
    assert [f["id"] for f in message["files"]] == [file["id"]]
    assert standin.file_bytes(file["id"]) == CSV
    assert set(file) <= set(
        sample("api_response.files.completeUploadExternal.field_union.java-sdk-json-logs.json")["files"][0]
    )


def test_upload_flow_calls_the_two_methods(client: WebClient, standin: SlackStandIn) -> None:
    client.files_upload_v2(channel=CHANNEL, content=CSV, filename="health.csv")

    assert [c.method for c in standin.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    url_answer = standin.calls[0].response
    assert url_answer["upload_url"].startswith(standin.origin + "/upload/v1/")
    assert standin.calls[1].params["files"] == [{"id": url_answer["file_id"], "title": "health.csv"}]


def test_url_private_serves_the_bytes_with_the_bot_token(client: WebClient) -> None:
    file = client.files_upload_v2(channel=CHANNEL, content=CSV, filename="health.csv")["file"]

    assert fetch(file["url_private"], headers={"Authorization": f"Bearer {BOT_TOKEN}"}) == CSV


def test_completing_before_the_bytes_arrive_is_file_not_found(client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="a.csv", length=3)

    with pytest.raises(SlackApiError) as refused:
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=CHANNEL)

    assert refused.value.response["error"] == "file_not_found"
