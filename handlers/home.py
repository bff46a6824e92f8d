"""App Home: published when a user opens it (``app_home_opened``) and refreshed after their changes.

``{"type": "app_home_opened", "user": "U…", "channel": "D…", "tab": "home", "view": {...}}``
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.context import Deps, Translate
from handlers.ids import HomeBlock
from handlers.services.access import AccessPolicy
from handlers.services.home import home_data
from handlers.views.common import rule_label
from handlers.views.home import home_view

logger = logging.getLogger(__name__)


def refresh(client: WebClient, user_id: str, *, t: Translate, deps: Deps, access: AccessPolicy) -> None:
    """Publish ``user_id``'s Home tab as of now. A failed publish is logged, never raised: the Home
    tab is a convenience, and the next open or change publishes it again."""
    if access.is_member(user_id):
        with deps.database.unit_of_work() as session:
            data = home_data(
                session,
                user_id,
                today=deps.now().astimezone(deps.tz).date(),
                max_age_days=deps.config.assessment_max_age_days,
            )
        view = home_view(t, deps.scoring.scale, data, rule_label(t, deps.config))
    else:
        view = View(
            type="home",
            blocks=[
                SectionBlock(block_id=HomeBlock.HEADER, text=MarkdownTextObject(text=t("access.not_member")))
            ],
        )
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        logger.warning("Home tab of %s not published: %s", user_id, error.response.get("error"))


def home_opened(
    event: dict[str, Any], client: WebClient, t: Translate, deps: Deps, access: AccessPolicy
) -> None:
    """Bolt acks events itself; this publishes the Home tab (not the Messages tab)."""
    user_id = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user_id, str):
        return
    refresh(client, user_id, t=t, deps=deps, access=access)


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
