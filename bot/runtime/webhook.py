"""Webhook mode: Telegram POSTs each update to ``WEBHOOK_URL``; we answer 200 only after
the update is stored in the inbox (so a worker killed mid-request leaves Telegram to retry),
and a repeated ``update_id`` (Telegram's retry) changes nothing.

Requests without the right ``X-Telegram-Bot-Api-Secret-Token`` get 403 and are not read.
``GET /healthz`` answers 200 when the database answers, 503 otherwise.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web

from bot.runtime.scheduler import Inbox
from storage.db import Store

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY = 1024 * 1024  # Telegram's updates are far smaller


class WebhookServer:
    def __init__(
        self, inbox: Inbox, store: Store, *, path: str, secret: str, listen: str, port: int
    ) -> None:
        self.inbox = inbox
        self.store = store
        self.path = path or "/"
        self.secret = secret.encode()
        self.listen = listen
        self.port = port
        self.accepted = 0
        self.refused = 0
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._update)
        app.router.add_get("/healthz", self._health)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        addresses = self._runner.addresses
        self.bound_port = int(addresses[0][1]) if addresses else self.port
        log.info("webhook listening on %s:%s%s", self.listen, self.bound_port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            self.refused += 1
            log.warning("webhook request without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            await self.inbox.add_updates([update])
        except Exception:
            log.exception("could not store update %s; Telegram will retry", update["update_id"])
            return web.Response(status=500, text="not stored")
        self.accepted += 1
        return web.Response(text="ok")

    async def _health(self, request: web.Request) -> web.Response:
        if await self.store.healthy():
            return web.json_response({"ok": True})
        return web.json_response({"ok": False}, status=503)
