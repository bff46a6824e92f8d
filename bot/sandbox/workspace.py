"""The stand-in's workspace model: team, users, channels, usergroups, messages, views, files.

Plain mutable records guarded by the stand-in's lock. Each record knows how to render itself in the
shape the Slack Web API answers with, so the API handlers stay short and the shapes live in one place.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

JsonDict = dict[str, Any]

DEFAULT_TEAM_ID = "T0TAKIBI"
DEFAULT_TEAM_NAME = "Takibi Dev"
DEFAULT_TEAM_DOMAIN = "takibi-dev"
DEFAULT_APP_ID = "A0TAKIBI"
DEFAULT_BOT_ID = "B0TAKIBI"
DEFAULT_BOT_USER_ID = "U0TAKIBIBOT"
DEFAULT_CHANNEL_ID = "C0CSSMB"

_TZ_LABELS = {
    "Asia/Tokyo": "Japan Standard Time",
    "America/Los_Angeles": "Pacific Time",
    "America/New_York": "Eastern Time",
    "Europe/London": "Greenwich Mean Time",
    "UTC": "Coordinated Universal Time",
}


class TsClock:
    """Hands out message timestamps that are unique and strictly increasing.

    Slack's ``ts`` is "seconds.microseconds" (``"1732345678.000100"``) and doubles as the message id, so
    two messages posted in the same microsecond must still get different, ordered values.
    """

    def __init__(self, wall_clock: Callable[[], float]) -> None:
        self._wall_clock = wall_clock
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            micros = max(int(self._wall_clock() * 1_000_000), self._last + 1)
            self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_key(ts: str) -> tuple[int, int]:
    """Order ``ts`` strings numerically (``"9.5"`` sorts before ``"10.1"``)."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds or 0), int((fraction + "000000")[:6] or 0)


@dataclass
class User:
    """A workspace member; ``to_api`` gives the ``users.info`` ``user`` object."""

    id: str
    name: str
    real_name: str
    email: str
    locale: str = "en-US"
    tz: str = "America/Los_Angeles"
    is_admin: bool = False
    is_bot: bool = False
    deleted: bool = False
    title: str = ""

    def to_api(self, team_id: str, *, include_locale: bool, now: float) -> JsonDict:
        """Shape (``users.info``)::

        {"id": "U0SATO", "team_id": "T0TAKIBI", "name": "sato", "real_name": "佐藤 美咲",
         "tz": "Asia/Tokyo", "tz_label": "Japan Standard Time", "tz_offset": 32400,
         "profile": {"email": ..., "display_name": ..., ...}, "is_admin": false, ...,
         "locale": "ja-JP"}   # locale only with include_locale
        """
        zone = ZoneInfo(self.tz)
        offset = datetime.fromtimestamp(now, tz=UTC).astimezone(zone).utcoffset()
        first, _, last = self.real_name.partition(" ")
        image = f"https://avatars.slack-edge.invalid/{self.id}"
        user: JsonDict = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": _TZ_LABELS.get(self.tz, self.tz),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "title": self.title,
                "phone": "",
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.name,
                "display_name_normalized": self.name,
                "status_text": "",
                "status_emoji": "",
                "avatar_hash": "g000000000",
                "email": self.email,
                "first_name": first,
                "last_name": last,
                "image_24": f"{image}_24.png",
                "image_48": f"{image}_48.png",
                "image_72": f"{image}_72.png",
                "image_192": f"{image}_192.png",
                "team": team_id,
            },
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "has_2fa": False,
        }
        if include_locale:
            user["locale"] = self.locale
        return user


@dataclass
class Channel:
    """A conversation: public ``C…``, private ``G…`` or a DM ``D…`` with the app."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    created: int = 1_700_000_000
    messages: dict[str, JsonDict] = field(default_factory=dict)
    """Messages by ts, in posting order (ts increases), thread replies included."""

    def to_api(self, bot_user_id: str) -> JsonDict:
        """Shape (``conversations.info`` / ``conversations.open`` with ``return_im``)."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "name_normalized": self.name,
            "is_member": bot_user_id in self.members,
            "num_members": len(self.members),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class Usergroup:
    """A user group (``S…``) such as ``@cs-team``."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""

    def to_api(self, team_id: str, *, include_users: bool) -> JsonDict:
        """Shape (``usergroups.list`` item)."""
        group: JsonDict = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": 1_700_000_000,
            "date_update": 1_700_000_000,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "USLACKBOT",
            "updated_by": "USLACKBOT",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            group["users"] = list(self.users)
        return group


@dataclass
class StoredView:
    """A modal or Home tab as Slack holds it; ``view`` is the API ``view`` object."""

    view: JsonDict
    user_id: str
    open: bool = True


@dataclass
class StoredFile:
    """A file from ``files.getUploadURLExternal`` (bytes arrive later on the upload URL)."""

    id: str
    filename: str
    length: int
    user: str
    created: int
    upload_token: str
    alt_txt: str | None = None
    title: str | None = None
    data: bytes | None = None
    shares: dict[str, list[JsonDict]] = field(default_factory=dict)
    completed: bool = False


@dataclass
class Trigger:
    """A ``trigger_id`` handed to the app in an interaction; valid once, for three seconds."""

    id: str
    user_id: str
    issued_at: float
    used: bool = False
    used_at: float | None = None


@dataclass
class ResponseHook:
    """A ``response_url``: up to five uses; knows the message it came from, if any."""

    id: str
    user_id: str | None
    channel_id: str | None
    message_ts: str | None
    uses: int = 0


@dataclass
class Workspace:
    """Everything the stand-in knows. Mutated only under the stand-in's lock."""

    team_id: str = DEFAULT_TEAM_ID
    team_name: str = DEFAULT_TEAM_NAME
    team_domain: str = DEFAULT_TEAM_DOMAIN
    app_id: str = DEFAULT_APP_ID
    bot_id: str = DEFAULT_BOT_ID
    bot_user_id: str = DEFAULT_BOT_USER_ID
    bot_name: str = "takibi"
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    usergroups: dict[str, Usergroup] = field(default_factory=dict)
    views: dict[str, StoredView] = field(default_factory=dict)
    modal_stacks: dict[str, list[str]] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)
    """Home tab view id per user id."""
    files: dict[str, StoredFile] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    hooks: dict[str, ResponseHook] = field(default_factory=dict)
    ephemerals: list[JsonDict] = field(default_factory=list)
    """Ephemeral messages as delivered: ``{"channel", "user", "ts", "message", "source"}``."""
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self, prefix: str) -> str:
        """Slack-looking ids (``"V0000000003"``): a prefix and a counter, so runs are reproducible."""
        return f"{prefix}{next(self._counter):010d}"

    def bot_profile(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": self.bot_name,
            "icons": {"image_48": "https://avatars.slack-edge.invalid/takibi_48.png"},
            "deleted": False,
            "updated": 1_700_000_000,
            "team_id": self.team_id,
        }

    def channel_by_name(self, name: str) -> Channel | None:
        wanted = name.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == wanted and not c.is_im), None)

    def im_with(self, user_id: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.is_im and c.im_user == user_id), None)

    def open_im(self, user_id: str) -> tuple[Channel, bool]:
        """The app's DM with ``user_id``, created on first use; returns (channel, already_open)."""
        existing = self.im_with(user_id)
        if existing is not None:
            return existing, True
        channel = Channel(
            id=self.new_id("D"),
            name=user_id,
            is_im=True,
            im_user=user_id,
            members=[user_id, self.bot_user_id],
        )
        self.channels[channel.id] = channel
        return channel, False

    def find_message(self, ts: str) -> tuple[Channel, JsonDict] | None:
        for channel in self.channels.values():
            message = channel.messages.get(ts)
            if message is not None:
                return channel, message
        return None


def seed_default(workspace: Workspace) -> None:
    """The default workspace: a CS team of Japanese and English speakers in three segment channels.

    Users (all in every channel and in ``@cs-team``)::

        U0TAKAHASHI 高橋 健   ja-JP Asia/Tokyo  admin (CS manager)
        U0SATO      佐藤 美咲 ja-JP Asia/Tokyo
        U0SUZUKI    鈴木 大輔 ja-JP Asia/Tokyo
        U0EMILY     Emily Carter en-US America/Los_Angeles
        U0JAMES     James Wilson en-GB Europe/London

    Channels: ``#cs-smb`` C0CSSMB, ``#cs-mm`` C0CSMM, ``#cs-ep`` C0CSEP (public), ``#cs-leads`` G0CSLEADS
    (private, managers only). Usergroup: ``@cs-team`` S0CSTEAM.
    """
    seeded = [
        User("U0TAKAHASHI", "takahashi", "高橋 健", "takahashi@takibi.example", "ja-JP", "Asia/Tokyo", True),
        User("U0SATO", "sato", "佐藤 美咲", "sato@takibi.example", "ja-JP", "Asia/Tokyo"),
        User("U0SUZUKI", "suzuki", "鈴木 大輔", "suzuki@takibi.example", "ja-JP", "Asia/Tokyo"),
        User("U0EMILY", "emily", "Emily Carter", "emily@takibi.example", "en-US", "America/Los_Angeles"),
        User("U0JAMES", "james", "James Wilson", "james@takibi.example", "en-GB", "Europe/London"),
    ]
    bot = User(
        workspace.bot_user_id, workspace.bot_name, "takibi", "", "en-US", "America/Los_Angeles", is_bot=True
    )
    for user in [*seeded, bot]:
        workspace.users[user.id] = user
    humans = [u.id for u in seeded]
    everyone = [*humans, workspace.bot_user_id]
    for channel_id, name in (("C0CSSMB", "cs-smb"), ("C0CSMM", "cs-mm"), ("C0CSEP", "cs-ep")):
        workspace.channels[channel_id] = Channel(channel_id, name, members=list(everyone))
    workspace.channels["G0CSLEADS"] = Channel(
        "G0CSLEADS", "cs-leads", is_private=True, members=["U0TAKAHASHI", workspace.bot_user_id]
    )
    workspace.usergroups["S0CSTEAM"] = Usergroup("S0CSTEAM", "cs-team", "CS Team", list(humans))
