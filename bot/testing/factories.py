"""Telegram update payloads as the Bot API sends them (plain dicts)."""

from __future__ import annotations

import itertools
from typing import Any

from bot.testing.fakeapi import BOT_USER, START_TIME

_callback_ids = itertools.count(1)
_message_ids = itertools.count(5000)


def user(user_id: int, first_name: str = "", last_name: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"U{user_id}",
    }
    if last_name:
        data["last_name"] = last_name
    return data


def private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": f"U{user_id}"}


def group_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "Study group"}


def command(
    from_user: dict[str, Any],
    text: str,
    chat: dict[str, Any] | None = None,
    *,
    edited: bool = False,
) -> dict[str, Any]:
    chat = chat or private_chat(from_user["id"])
    word = text.split(maxsplit=1)[0]
    message = {
        "message_id": next(_message_ids),
        "date": START_TIME,
        "chat": chat,
        "from": from_user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(word)}]
        if text.startswith("/")
        else [],
    }
    return {"edited_message" if edited else "message": message}


def text_message(
    from_user: dict[str, Any], text: str, chat: dict[str, Any] | None = None
) -> dict[str, Any]:
    chat = chat or private_chat(from_user["id"])
    return {
        "message": {
            "message_id": next(_message_ids),
            "date": START_TIME,
            "chat": chat,
            "from": from_user,
            "text": text,
        }
    }


def callback(
    from_user: dict[str, Any], data: str, message_id: int, chat: dict[str, Any] | None = None
) -> dict[str, Any]:
    chat = chat or private_chat(from_user["id"])
    return {
        "callback_query": {
            "id": str(next(_callback_ids)),
            "from": from_user,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": START_TIME,
                "chat": chat,
                "from": BOT_USER,
                "text": "question",
            },
        }
    }


def poll_answer(poll_id: str, from_user: dict[str, Any], option_ids: list[int]) -> dict[str, Any]:
    return {
        "poll_answer": {
            "poll_id": poll_id,
            "user": from_user,
            "option_ids": option_ids,
            "option_persistent_ids": [f"opt{i}" for i in option_ids],
        }
    }
