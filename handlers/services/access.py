"""Who may do what in takibi.

* **CS members** may use takibi at all: the members of the user groups and channels named in
  ``takibi.yml`` (``access.members``), the users listed there, and the admins. Everybody else gets a
  polite refusal and nothing changes.
* **Any CS member may assess any account and log a touchpoint on it.** Coverage matters more than
  ownership here: a colleague covers a holiday, a manager joins the call, a new owner has not been
  assigned yet; refusing their notes would leave the score stale, which is worse than a note from the
  "wrong" person (every assessment records its author, and the audit log keeps the rest).
* **Key people (PO / PL) and the renewal forecast (更新ヨミ) change only by the account's owner or an
  admin.** They move the score and raise CTAs at once (a PO leaving is a high-priority alert), and the
  renewal forecast is the owner's own call; an unowned account may be updated by any CS member, since
  otherwise nobody could. The assess modal shows those fields read-only to everybody else, and the
  submission is refused if they were changed anyway.
* **Admins** may do everything on every account.

Memberships come from Slack through ``Memberships`` (``bot.directory.Memberships`` caches them for
``access.cache_seconds``), so the checks are cheap after the first request of a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.errors import PermissionDeniedError
from scoring.config_access import AccessSettings


class Memberships(Protocol):
    """Slack's answer to "who is in this group / channel" (user ids)."""

    def usergroup_members(self, usergroup: str) -> frozenset[str]: ...

    def channel_members(self, channel_id: str) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    settings: AccessSettings
    memberships: Memberships

    def is_admin(self, user_id: str) -> bool:
        admins = self.settings.admins
        if user_id in admins.users:
            return True
        return admins.usergroup is not None and user_id in self.memberships.usergroup_members(
            admins.usergroup
        )

    def is_member(self, user_id: str) -> bool:
        """A CS member (admins included). Checks the cheap lists first, Slack's memberships last."""
        members = self.settings.members
        if members.everyone or user_id in members.users or user_id in self.settings.admins.users:
            return True
        if any(user_id in self.memberships.usergroup_members(group) for group in members.usergroups):
            return True
        if any(user_id in self.memberships.channel_members(channel) for channel in members.channels):
            return True
        return self.is_admin(user_id)

    def require_member(self, user_id: str) -> None:
        if not self.is_member(user_id):
            raise PermissionDeniedError("access.not_member")

    def may_change_key_people(self, user_id: str, owner_slack_id: str | None) -> bool:
        """The owner, an admin, or any member when nobody owns the account (see the module docstring)."""
        if owner_slack_id is None:
            return self.is_member(user_id)
        return user_id == owner_slack_id or self.is_admin(user_id)

    def require_key_people_change(self, user_id: str, owner_slack_id: str | None) -> None:
        if not self.may_change_key_people(user_id, owner_slack_id):
            raise PermissionDeniedError("access.owner_only")
