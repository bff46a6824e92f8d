"""The external upload flow ``files_upload_v2`` uses: get an upload URL, POST the bytes, complete.

1. ``files.getUploadURLExternal`` →
   ``{"ok": true, "upload_url": "http://127.0.0.1:P/upload/v1/…", "file_id": "F…"}``
2. ``POST upload_url`` with the raw bytes (or multipart) → ``200 OK - <length>``
3. ``files.completeUploadExternal`` → shares the files to the channel as one message with ``files``.
"""

from __future__ import annotations

import mimetypes
import secrets

from bot.sandbox.api.chat import store_bot_message
from bot.sandbox.api.context import ApiContext
from bot.sandbox.validation import MAX_TEXT_CHARS, ApiError, decode_json
from bot.sandbox.workspace import Channel, JsonDict, StoredFile, Workspace


def get_upload_url(ctx: ApiContext) -> JsonDict:
    """``files.getUploadURLExternal``: ``filename`` and a positive ``length`` are required."""
    filename = ctx.required("filename")
    length = ctx.number("length", 0)
    if length <= 0:
        raise ApiError("invalid_arguments", ["[ERROR] length must be a positive integer"])
    stored = StoredFile(
        id=ctx.ws.new_id("F"),
        filename=filename,
        length=length,
        user=ctx.ws.bot_user_id,
        created=int(ctx.wall),
        upload_token=secrets.token_urlsafe(12),
        alt_txt=ctx.text("alt_txt"),
    )
    ctx.ws.files[stored.id] = stored
    return {"ok": True, "upload_url": f"{ctx.origin}/upload/v1/{stored.upload_token}", "file_id": stored.id}


def receive_upload(ws: Workspace, upload_token: str, data: bytes) -> StoredFile | None:
    """Bytes POSTed to an upload URL; ``None`` when the URL is unknown."""
    stored = next((f for f in ws.files.values() if f.upload_token == upload_token), None)
    if stored is not None:
        stored.data = data
    return stored


def complete_upload(ctx: ApiContext) -> JsonDict:
    """``files.completeUploadExternal`` → ``{"ok": true, "files": [{"id": "F…", "title": ..., ...}]}``."""
    requested = decode_json(ctx.params.get("files"), error="invalid_arguments")
    if not isinstance(requested, list) or not requested or not all(isinstance(f, dict) for f in requested):
        raise ApiError("invalid_arguments", ["missing required field: files"])
    stored_files: list[StoredFile] = []
    for item in requested:
        stored = ctx.ws.files.get(str(item.get("id")))
        if stored is None or stored.data is None:
            raise ApiError("file_not_found")
        stored.title = str(item.get("title") or stored.filename)
        stored_files.append(stored)
    targets = _targets(ctx)
    comment = ctx.text("initial_comment") or ""
    if len(comment) > MAX_TEXT_CHARS:
        raise ApiError("msg_too_long")
    for channel in targets:
        if channel.is_private and ctx.ws.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
    for channel in targets:
        shared = [file_object(ctx, f) for f in stored_files]
        message = store_bot_message(
            ctx,
            channel,
            {"text": comment},
            thread_ts=ctx.text("thread_ts"),
            extra={"files": shared, "upload": True, "display_as_bot": False},
        )
        for stored in stored_files:
            stored.shares.setdefault(channel.id, []).append(
                {
                    "reply_users": [],
                    "reply_users_count": 0,
                    "reply_count": 0,
                    "ts": message["ts"],
                    "channel_name": channel.name,
                    "team_id": ctx.ws.team_id,
                    "share_user_id": ctx.ws.bot_user_id,
                    "source": "UNKNOWN",
                }
            )
    for stored in stored_files:
        stored.completed = True
    return {"ok": True, "files": [file_object(ctx, f) for f in stored_files]}


def _targets(ctx: ApiContext) -> list[Channel]:
    ids = [ctx.text("channel_id")] if ctx.text("channel_id") else []
    ids += [c for c in (ctx.text("channels") or "").split(",") if c]
    channels: list[Channel] = []
    for channel_id in dict.fromkeys(i for i in ids if i):
        channel = ctx.ws.channels.get(channel_id)
        if channel is None:
            raise ApiError("invalid_channel")
        channels.append(channel)
    return channels


def file_object(ctx: ApiContext, stored: StoredFile) -> JsonDict:
    """The ``file`` object (fields per Slack's ``files.completeUploadExternal`` answers)."""
    ws = ctx.ws
    mimetype = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
    extension = stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else "binary"
    private_url = f"{ctx.origin}/files-pri/{ws.team_id}-{stored.id}/{stored.filename}"
    public: dict[str, list[JsonDict]] = {}
    private: dict[str, list[JsonDict]] = {}
    for channel_id, shares in stored.shares.items():
        channel = ws.channels[channel_id]
        (private if channel.is_private or channel.is_im else public)[channel_id] = [dict(s) for s in shares]
    shares_field: JsonDict = {}
    if public:
        shares_field["public"] = public
    if private:
        shares_field["private"] = private
    file: JsonDict = {
        "id": stored.id,
        "created": stored.created,
        "timestamp": stored.created,
        "name": stored.filename,
        "title": stored.title or stored.filename,
        "mimetype": mimetype,
        "filetype": extension,
        "pretty_type": extension.upper(),
        "user": stored.user,
        "user_team": ws.team_id,
        "editable": False,
        "size": len(stored.data or b""),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(public),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": private_url,
        "url_private_download": f"{private_url}?download=1",
        "permalink": f"https://{ws.team_domain}.slack.com/files/{stored.user}/{stored.id}/{stored.filename}",
        "permalink_public": f"https://slack-files.com/{ws.team_id}-{stored.id}-0000000000",
        "comments_count": 0,
        "is_starred": False,
        "shares": shares_field,
        "channels": list(public),
        "groups": [c for c in private if not ws.channels[c].is_im],
        "ims": [c for c in private if ws.channels[c].is_im],
        "has_more_shares": False,
        "has_rich_preview": False,
        "file_access": "visible",
    }
    if stored.alt_txt:
        file["alt_txt"] = stored.alt_txt
    return file
