"""The dashboard's web app (aiohttp.web, Jinja2 templates with autoescape on).

Routes::

    GET  /login?token=…            open a one-time link from the bot: session cookie, → /
    GET  /                         overview: players, answers per day (30 days), rounds, disputes
    GET  /questions                item statistics: ?sort=<column>&order=asc|desc&topic=&flag=
    GET  /questions/<id>           one question: options and pick rates, quote, disputes
    GET  /paragraphs               the article, each paragraph shaded by learners' mastery
    GET  /disputes                 open disputes, each with a resolve form
    POST /disputes/<id>/resolve    resolve one (fields: csrf, reply)
    GET  /export/questions.csv     the item statistics as CSV
    POST /logout                   end the session (field: csrf)
    GET  /static/dashboard.css     the style sheet
    GET  /healthz                  200 when the database answers

Every page but ``/login``, ``/static/…`` and ``/healthz`` needs a live session of a user in
ADMIN_USER_IDS: otherwise 401 (no or bad session) or 403 (not an admin any more), with a page
that says to ask the bot for a link. Every POST needs the session's CSRF token in its
``csrf`` field (403 otherwise). No page runs a script (the Content-Security-Policy forbids
them), and everything users wrote reaches the page through autoescaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from aiohttp.web_request import BaseRequest
from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.config import Settings
from bot.dashboard.auth import SESSION_TTL, Session, SignIn, same_token
from bot.dashboard.data import COLUMN_KEYS, COLUMNS, Dashboard, filter_items, items_csv, sort_items
from bot.engine.clock import Clock, system_clock
from questions.model import Bank
from questions.stats import FLAG_LABELS, METHOD, Flag
from storage.db import Store

COOKIE = "quiz_dashboard"
PUBLIC = frozenset({"/login", "/healthz", "/static/dashboard.css"})
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
ASK_THE_BOT = "Send /dashboard to the bot in a private chat to get a sign-in link."


@dataclass(frozen=True, slots=True)
class Site:
    """Everything the handlers need, kept on the application."""

    dashboard: Dashboard
    signin: SignIn
    admins: frozenset[int]
    secure_cookie: bool
    templates: Environment
    css: str


SITE = web.AppKey("site", Site)
SESSION = web.RequestKey("session", Session)


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.dashboard", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    env.filters["seconds"] = _seconds
    env.filters["when"] = lambda moment: f"{moment:%Y-%m-%d %H:%M} UTC"
    return env


def _pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def _num(value: float | None, digits: int = 2, sign: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace("-", "−")


def _seconds(ms: int | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.1f} s"


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    site = request.app[SITE]
    session = request.get(SESSION)
    page = site.templates.get_template(template).render(
        session=session,
        csrf=session.csrf if session else "",
        path=request.path,
        **context,
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def refuse(request: web.Request, status: int, title: str, text: str) -> web.Response:
    return render(request, "message.html", status, title=title, text=text, hint=ASK_THE_BOT)


# middleware --------------------------------------------------------------------------------


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A live admin session for every page but the public ones; a CSRF token on POST."""
    if request.path in PUBLIC:
        return await handler(request)
    site = request.app[SITE]
    session = await site.signin.session(request.cookies.get(COOKIE))
    if session is None:
        return refuse(request, 401, "Please sign in", "You are not signed in.")
    if session.user_id not in site.admins:
        return refuse(
            request, 403, "Not a bank keeper", "This account is not a bank keeper (any more)."
        )
    if request.method not in ("GET", "HEAD"):
        form = await request.post()
        if not same_token(session.csrf, _field(form, "csrf")):
            return render(
                request,
                "message.html",
                403,
                title="Form expired",
                text="This form is missing its security token or it is stale.",
                hint="Reload the page and try again.",
            )
    request[SESSION] = session
    return await handler(request)


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "max-age=3600"
    else:
        response.headers["Cache-Control"] = "no-store"


def _field(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log lines without query strings: a sign-in link's token never reaches a log."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %.1fms",
            request.remote,
            request.method,
            request.path,
            response.status,
            time * 1000,
        )


# pages ----------------------------------------------------------------------------------


async def login(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    opened = await site.signin.redeem(request.query.get("token", ""), site.admins)
    if opened.user_id is None:
        return refuse(
            request,
            401,
            "This link does not work",
            "A sign-in link works once, for 10 minutes: this one was used already, has "
            "expired, or is not complete.",
        )
    if opened.cookie is None:
        return refuse(
            request, 403, "Not a bank keeper", "This account is not a bank keeper (any more)."
        )
    response = web.Response(status=303, headers={"Location": "/"})
    response.set_cookie(
        COOKIE,
        opened.cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=site.secure_cookie,
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    await site.signin.end(request[SESSION])
    request.pop(SESSION, None)
    response = render(
        request, "message.html", title="Signed out", text="You are signed out.", hint=ASK_THE_BOT
    )
    response.del_cookie(COOKIE, path="/")
    return response


async def overview(request: web.Request) -> web.Response:
    data = await request.app[SITE].dashboard.overview()
    return render(request, "overview.html", overview=data)


async def questions(request: web.Request) -> web.Response:
    site = request.app[SITE]
    bank = site.dashboard.bank
    query = request.query
    sort = query.get("sort") if query.get("sort") in COLUMN_KEYS else None
    descending = query.get("order") == "desc"
    topic = query.get("topic") if query.get("topic") in bank.topics() else None
    flag = Flag(query["flag"]) if query.get("flag") in set(Flag) else None
    items = await site.dashboard.items()
    shown = sort_items(filter_items(items, topic, flag), sort, descending)

    def link(**change: str | None) -> str:
        params = {"topic": topic, "flag": flag.value if flag else None, "sort": sort}
        params["order"] = "desc" if descending else None
        params.update(change)
        kept = {k: v for k, v in params.items() if v}
        return "/questions" + ("?" + urlencode(kept) if kept else "")

    headers = []
    for column in COLUMNS:
        active = column.key == sort
        order = None if not active or descending else "desc"
        aria = ("descending" if descending else "ascending") if active else "none"
        headers.append((column, link(sort=column.key, order=order), aria))
    return render(
        request,
        "questions.html",
        items=shown,
        total=len(items),
        headers=headers,
        topics=list(bank.topics()),
        topic=topic,
        flags=FLAG_LABELS,
        flag=flag,
        sort=sort,
        descending=descending,
        method=METHOD,
    )


async def question(request: web.Request) -> web.Response:
    site = request.app[SITE]
    page = await site.dashboard.question(request.match_info["question_id"])
    if page is None:
        return render(
            request,
            "message.html",
            404,
            title="No such question",
            text="The bank has no question with this id.",
            hint="",
        )
    return render(request, "question.html", page=page, method=METHOD)


async def paragraphs(request: web.Request) -> web.Response:
    rows = await request.app[SITE].dashboard.paragraphs()
    learners = rows[0].learners if rows else 0
    return render(request, "paragraphs.html", rows=rows, learners=learners)


async def disputes(request: web.Request) -> web.Response:
    site = request.app[SITE]
    page = await site.dashboard.disputes()
    done = request.query.get("resolved", "")
    return render(
        request,
        "disputes.html",
        page=page,
        bank=site.dashboard.bank,
        resolved=int(done) if done.isdigit() and len(done) < 12 else None,
    )


async def resolve(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    raw = request.match_info["dispute_id"]
    form = await request.post()  # read (and checked) by the guard; cached by aiohttp
    session = request[SESSION]
    await site.dashboard.resolve(int(raw), session.user_id, _field(form, "reply"))
    return web.Response(status=303, headers={"Location": f"/disputes?resolved={int(raw)}"})


async def export_csv(request: web.Request) -> web.Response:
    items = await request.app[SITE].dashboard.items()
    return web.Response(
        text=items_csv(items),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="questions.csv"'},
    )


async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(text=request.app[SITE].css, content_type="text/css", charset="utf-8")


async def healthz(request: web.Request) -> web.Response:
    healthy = await request.app[SITE].dashboard.store.healthy()
    return web.Response(
        text="ok" if healthy else "database unavailable", status=200 if healthy else 503
    )


def build_app(
    settings: Settings, store: Store, bank: Bank, *, clock: Clock = system_clock
) -> web.Application:
    """The dashboard on ``store``. Raises ``ConfigError`` without a usable DASHBOARD_SECRET."""
    secret = settings.require_dashboard_secret()
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[SITE] = Site(
        dashboard=Dashboard(bank, store, clock),
        signin=SignIn(store, secret, clock),
        admins=frozenset(settings.admin_user_ids),
        secure_cookie=(settings.dashboard_url or "").startswith("https://"),
        templates=templates(),
        css=resources.files("bot.dashboard").joinpath("static/dashboard.css").read_text("utf-8"),
    )
    app.on_response_prepare.append(_headers)
    app.router.add_get("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", overview)
    app.router.add_get("/questions", questions)
    app.router.add_get("/questions/{question_id}", question)
    app.router.add_get("/paragraphs", paragraphs)
    app.router.add_get("/disputes", disputes)
    app.router.add_post(r"/disputes/{dispute_id:\d{1,12}}/resolve", resolve)
    app.router.add_get("/export/questions.csv", export_csv)
    app.router.add_get("/static/dashboard.css", stylesheet)
    app.router.add_get("/healthz", healthz)
    return app
