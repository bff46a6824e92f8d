"""Pure builders of Block Kit payloads, one module per surface: data in, ``slack_sdk.models`` out.

Listeners never write block dicts; they call a builder and send what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block


@dataclass(frozen=True, slots=True)
class Message:
    """A message body: the notification text Slack requires beside the blocks, and the blocks."""

    text: str
    blocks: Sequence[Block]

    def to_payload(self) -> dict[str, Any]:
        """``{"text": ..., "blocks": [...]}``; ``to_dict()`` validates every block's limits."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}
