"""Whose turn an update is: the chat it belongs to (a user, for poll votes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NO_KEY = 0  # updates that belong to no chat (a poll's new state)

_CHAT_FIELDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
    "chat_boost",
    "removed_chat_boost",
)
_SENDER_FIELDS = (
    "inline_query",
    "chosen_inline_result",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _chat_id(container: Any) -> int | None:
    if isinstance(container, Mapping):
        chat = container.get("chat")
        if isinstance(chat, Mapping):
            return _int(chat.get("id"))
    return None


def _sender_id(container: Any, field: str = "from") -> int | None:
    if isinstance(container, Mapping):
        sender = container.get(field)
        if isinstance(sender, Mapping):
            return _int(sender.get("id"))
    return None


def ordering_key(update: Mapping[str, Any]) -> int:
    """The key whose updates are handled one at a time, in order (hostile input: any
    malformed field gives :data:`NO_KEY`)."""
    for name in _CHAT_FIELDS:
        if name in update:
            return _chat_id(update[name]) or NO_KEY
    if "callback_query" in update:
        query = update["callback_query"]
        message = query.get("message") if isinstance(query, Mapping) else None
        return _chat_id(message) or _sender_id(query) or NO_KEY
    if "poll_answer" in update:
        vote = update["poll_answer"]
        return _sender_id(vote, "user") or _chat_id({"chat": _get(vote, "voter_chat")}) or NO_KEY
    for name in _SENDER_FIELDS:
        if name in update:
            return _sender_id(update[name]) or NO_KEY
    return NO_KEY


def _get(container: Any, field: str) -> Any:
    return container.get(field) if isinstance(container, Mapping) else None


def sender_of(update: Mapping[str, Any]) -> int | None:
    """Who sent an update (for per-user flood limits), if anyone."""
    for name, value in update.items():
        if name == "update_id" or not isinstance(value, Mapping):
            continue
        return _sender_id(value) or _sender_id(value, "user")
    return None
