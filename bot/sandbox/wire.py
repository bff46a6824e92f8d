"""HTTP plumbing shared by the stand-in: decoding Web API requests and shaping answers.

Slack takes arguments as a query string, ``application/x-www-form-urlencoded``, ``multipart/form-data``
or ``application/json`` (WebClient sends JSON for ``chat.*``/``views.*`` and forms for the rest), and
the token as ``Authorization: Bearer`` or — except in JSON bodies — a ``token`` argument.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox.validation import ApiError
from bot.sandbox.workspace import JsonDict

JSON_STRING_FIELDS = ("blocks", "attachments", "metadata", "view", "files")


@dataclass
class Reply:
    """An HTTP answer; ``drop`` closes the connection without sending it (answer lost in transit);
    ``hold`` delays sending it until the gate opens (answer stuck in transit)."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    hold: threading.Event | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        data = json.dumps(payload, ensure_ascii=False).encode()
        return cls(status, data, headers=dict(headers or {}))

    @classmethod
    def text(cls, status: int, text: str) -> Reply:
        return cls(status, text.encode(), content_type="text/plain; charset=utf-8")


@dataclass
class ApiRequest:
    """A decoded Web API request: merged params, the token (header or form field), charset warnings."""

    params: JsonDict
    token: str | None
    warnings: list[str]


def _content_type(header: str) -> tuple[str, dict[str, str]]:
    """``"application/json;charset=utf-8"`` → ``("application/json", {"charset": "utf-8"})``."""
    if not header:
        return "", {}
    message = Message()
    message["content-type"] = header
    params = message.get_params() or []
    return message.get_content_type(), {str(k).lower(): str(v) for k, v in params[1:]}


def decode_api_request(content_type: str, authorization: str, body: bytes, query: str) -> ApiRequest:
    """Decode one call. Raises ``ApiError`` for bodies Slack cannot read (``invalid_form_data`` …)."""
    params: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    warnings: list[str] = []
    kind, options = _content_type(content_type)
    if body:
        if kind == "application/json":
            try:
                decoded = json.loads(body.decode(options.get("charset", "utf-8")))
            except (UnicodeDecodeError, LookupError, json.JSONDecodeError) as exc:
                raise ApiError("invalid_json") from exc
            if not isinstance(decoded, dict):
                raise ApiError("invalid_json")
            decoded.pop("token", None)  # Slack ignores tokens inside JSON bodies
            params.update(decoded)
            if "charset" not in options:
                warnings.append("missing_charset")
        elif kind == "application/x-www-form-urlencoded":
            try:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
            except UnicodeDecodeError as exc:
                raise ApiError("invalid_form_data") from exc
            if "charset" in options:
                warnings.append("superfluous_charset")
        elif kind == "multipart/form-data":
            params.update(_multipart(content_type, body))
        elif kind == "":
            raise ApiError("missing_post_type")
        else:
            raise ApiError("invalid_post_type")
    for name in JSON_STRING_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value:
            # an undecodable value stays a string; the method refuses it with its own error
            with contextlib.suppress(json.JSONDecodeError):
                params[name] = json.loads(value)
    token = None
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip() or None
    form_token = params.pop("token", None)
    if token is None and isinstance(form_token, str) and form_token:
        token = form_token
    return ApiRequest(params, token, warnings)


def _multipart(content_type: str, body: bytes) -> JsonDict:
    """Form fields of a multipart body; file parts become ``{"filename": ..., "size": ...}``."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError("invalid_form_data")
    fields: JsonDict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        fields[name] = (
            {"filename": filename, "size": len(data)} if filename else data.decode("utf-8", "replace")
        )
    return fields


def multipart_file(content_type: str, body: bytes) -> bytes:
    """The file bytes of an upload POSTed as multipart (Slack accepts raw bytes or a ``file`` part)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    for part in message.iter_parts():
        if part.get_filename() is not None or part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return body


def with_warnings(body: JsonDict, warnings: list[str]) -> JsonDict:
    """Slack reports charset problems as ``warning`` plus ``response_metadata.warnings``."""
    if not warnings:
        return body
    body = dict(body)
    body["warning"] = ",".join(warnings)
    metadata = dict(body.get("response_metadata") or {})
    metadata["warnings"] = list(warnings)
    body["response_metadata"] = metadata
    return body
