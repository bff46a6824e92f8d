"""The Web API methods the stand-in implements, by Slack method name."""

from __future__ import annotations

from bot.sandbox.api import chat, conversations, files, users, views
from bot.sandbox.api.context import ApiContext, Handler

METHODS: dict[str, Handler] = {
    "auth.test": users.auth_test,
    "chat.postMessage": chat.post_message,
    "chat.update": chat.update,
    "chat.delete": chat.delete,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.getPermalink": chat.get_permalink,
    "reactions.add": chat.add_reaction,
    "conversations.open": conversations.open_conversation,
    "conversations.info": conversations.info,
    "conversations.history": conversations.history,
    "conversations.replies": conversations.replies,
    "conversations.members": conversations.members,
    "views.open": views.open_view,
    "views.push": views.push_view,
    "views.update": views.update_view,
    "views.publish": views.publish_view,
    "users.info": users.info,
    "users.list": users.list_users,
    "users.lookupByEmail": users.lookup_by_email,
    "usergroups.list": users.list_usergroups,
    "usergroups.users.list": users.usergroup_users,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
}

__all__ = ["METHODS", "ApiContext", "Handler"]
