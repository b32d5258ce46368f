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
    from_user: dict[str, Any],
    data: str,
    message_id: int,
    chat: dict[str, Any] | None = None,
    *,
    text: str = "question",
    markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button press under the bot's message ``message_id`` (whose plain text is ``text``
    and keyboard ``markup``, as Telegram sends them with the press)."""
    chat = chat or private_chat(from_user["id"])
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": START_TIME,
        "chat": chat,
        "from": BOT_USER,
        "text": text,
    }
    if markup is not None:
        message["reply_markup"] = markup
    return {
        "callback_query": {
            "id": str(next(_callback_ids)),
            "from": from_user,
            "chat_instance": "ci",
            "data": data,
            "message": message,
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


def poll_update(
    poll_id: str, question: str, *, voters: int, closed: bool, close_date: int | None = None
) -> dict[str, Any]:
    """Telegram's news about a poll the bot sent (its state when it closed)."""
    poll: dict[str, Any] = {
        "id": poll_id,
        "question": question,
        "options": [{"text": "a", "voter_count": voters, "persistent_id": "opt0"}],
        "total_voter_count": voters,
        "is_closed": closed,
        "is_anonymous": False,
        "type": "quiz",
        "allows_multiple_answers": False,
        "allows_revoting": False,
        "members_only": False,
        "correct_option_ids": [0],
    }
    if close_date is not None:
        poll["close_date"] = close_date
    return {"poll": poll}


def bot_removed(chat: dict[str, Any], by: dict[str, Any]) -> dict[str, Any]:
    bot = {"id": BOT_USER["id"], "is_bot": True, "first_name": BOT_USER["first_name"]}
    return {
        "my_chat_member": {
            "chat": chat,
            "from": by,
            "date": START_TIME,
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": "left", "user": bot},
        }
    }


_inline_ids = itertools.count(1)


def inline_query(from_user: dict[str, Any], query: str) -> dict[str, Any]:
    return {
        "inline_query": {
            "id": f"iq{next(_inline_ids)}",
            "from": from_user,
            "query": query,
            "offset": "",
        }
    }
