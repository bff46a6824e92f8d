"""The ``access`` section of ``takibi.yml``: who is on the CS team and who administers takibi.

Slack already knows who is on the team, so takibi asks Slack instead of keeping its own list: CS
members are the members of the configured user groups (``usergroups.users.list``) and channels
(``conversations.members``), plus user ids listed by hand; admins are listed by user id and/or one user
group. Admins are members too.

A file without an ``access`` section lets every workspace member in (``members.everyone``), so a
configuration written before this section existed keeps working; the shipped ``takibi.yml`` names the
``cs-team`` user group instead. Writing a ``members`` block without ``everyone: true`` closes the door
to anybody not listed in it.

Ids are checked here (shape only; whether they exist is Slack's to say at run time): user ids start
with ``U`` or ``W``, channel ids with ``C`` or ``G``, and a user group is its ``S…`` id or its handle
(``cs-team`` or ``@cs-team``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_USERGROUP = re.compile(r"^(S[A-Z0-9]{2,}|@?[a-z0-9][a-z0-9._-]*)$")

CacheSeconds = Annotated[int, Field(ge=0, le=86_400)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AccessMembers(_Model):
    """Who counts as a CS member: everyone, or the union of the listed groups, channels and users."""

    everyone: bool = False
    usergroups: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    @property
    def listed(self) -> bool:
        return bool(self.usergroups or self.channels or self.users)


class AccessAdmins(_Model):
    """Who administers takibi (設定担当大臣 and CS managers): user ids and optionally one user group."""

    users: tuple[str, ...] = ()
    usergroup: str | None = None


class AccessSettings(_Model):
    members: AccessMembers = AccessMembers(everyone=True)
    admins: AccessAdmins = AccessAdmins()
    cache_seconds: CacheSeconds = 300
    """How long a membership looked up in Slack is trusted before asking again."""


@dataclass(frozen=True, slots=True)
class AccessProblem:
    """A problem inside the section: ``loc`` is relative to ``access``; a catalog key and its values."""

    loc: tuple[str | int, ...]
    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def access_problems(access: AccessSettings) -> Iterator[AccessProblem]:
    """Cross-field and id-shape checks, each at its own path."""
    members, admins = access.members, access.admins
    if members.everyone and members.listed:
        yield AccessProblem(("members", "everyone"), "config.error.access_everyone_and_lists")
    yield from _ids(members.usergroups, _USERGROUP, ("members", "usergroups"), "config.error.slack_usergroup")
    yield from _ids(members.channels, _CHANNEL_ID, ("members", "channels"), "config.error.slack_channel_id")
    yield from _ids(members.users, _USER_ID, ("members", "users"), "config.error.slack_user_id")
    yield from _ids(admins.users, _USER_ID, ("admins", "users"), "config.error.slack_user_id")
    if admins.usergroup is not None and not _USERGROUP.match(admins.usergroup):
        yield AccessProblem(
            ("admins", "usergroup"), "config.error.slack_usergroup", {"value": admins.usergroup}
        )


def _ids(
    values: tuple[str, ...], shape: re.Pattern[str], base: tuple[str, ...], key: str
) -> Iterator[AccessProblem]:
    for index, value in enumerate(values):
        if not shape.match(value):
            yield AccessProblem((*base, index), key, {"value": value})
