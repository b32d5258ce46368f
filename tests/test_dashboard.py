"""The bank keepers' dashboard in a real headless browser (Playwright driving Debian's
Chromium), on a database filled through the real engines, on both backends.

One browser for the module; each test opens its own browser context (its own cookies).
Sign-in goes through the link the real bot sends for /dashboard. Without /usr/bin/chromium
the browser tests skip, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.__main__ import main as bot_main
from bot.config import Settings
from bot.dashboard.auth import SignIn, login_link, sign
from bot.dashboard.charts import bar_chart
from bot.dashboard.data import highlight
from bot.dashboard.web import COOKIE, build_app
from bot.engine import QuizEngine, StudyEngine
from bot.engine.views import Player, RoundRequest
from bot.testing import factories as f
from bot.testing.fakeapi import FakeBotApi
from questions.model import Bank
from storage.db import Store
from storage.models import ChatKind
from storage.queries import Queries
from tests.conftest import IN_CI, FakeClock, Postgres, Running, running_bot
from tests.test_item_stats import play

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SECRET = "dashboard-secret-for-tests-0123456789abcdef"
ADMIN = f.user(7001, "Keeper")
OTHER = f.user(7002, "Mallory")
HTML_NOTE = "<script>alert(1)</script><b>x</b>"
PLAIN_NOTE = "Option B is also right: see the second sentence."
TYPO_NOTE = "Typo in the question: 'Moscow' is spelled 'Moskow'."
ABILITY = (1.0, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.1)


@dataclass
class Site:
    base: str
    url: str  # DATABASE_URL
    store: Store
    clock: FakeClock
    settings: Settings
    ids: list[str]  # the questions everyone played
    disputes: dict[str, int]  # note -> dispute id

    @asynccontextmanager
    async def bot(self, api: FakeBotApi) -> AsyncIterator[Running]:
        """The real bot on this database, with the dashboard configured. The fake API
        numbers updates from 1 again after its reset: forget the handled updates of an
        earlier bot on this database first, or the new ones would count as re-deliveries."""
        later = self.clock() + timedelta(days=1)
        await self.store.write(lambda q: q.inbox_forget_done(later))
        async with running_bot(api, self.url, self.clock, **self.bot_settings()) as bot:
            yield bot
            await bot.settle()  # everything handled: stopping needs no grace period

    def bot_settings(self, **changes: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "admin_user_ids": frozenset({ADMIN["id"]}),
            "dashboard_url": self.base,
            "dashboard_secret": SECRET,
        }
        values.update(changes)
        return values


# fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        if IN_CI:
            pytest.fail(f"CI=true but {CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium) for the browser tests")
    from playwright.async_api import async_playwright  # noqa: PLC0415

    playwright = await async_playwright().start()
    launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
    try:
        yield launched
    finally:
        await launched.close()
        await playwright.stop()


async def fill(store: Store, bank: Bank, clock: FakeClock) -> tuple[list[str], dict[str, int]]:
    """Eight players play the same ten questions (¶1 and ¶2) on eight days, with different
    abilities; the best one plays ¶1 again on the last day (all right: ¶1 is mastered); three
    of them dispute a question; one round stays open."""
    quiz = QuizEngine(bank, store, clock=clock, rng=random.Random(5))
    study = StudyEngine(quiz)
    ids = [q.id for q in (*bank.for_paragraph(1), *bank.for_paragraph(2))]
    rng = random.Random(7)
    players = [Player(8001 + i, f"Player {i}") for i in range(len(ABILITY))]
    players[3] = Player(8004, "<b>Eve</b> & co")
    rounds = {}
    for i, (player, ability) in enumerate(zip(players, ABILITY, strict=True)):
        clock.advance(days=1, minutes=i)
        right = [rng.random() < ability for _ in ids]
        rounds[player.id] = await play(quiz, player, ids, right, clock)
    first = [q.id for q in bank.for_paragraph(1)]
    await play(quiz, players[0], first, [True] * len(first), clock)
    disputes = {}
    for player, position, note in ((players[1], 0, PLAIN_NOTE), (players[3], 1, HTML_NOTE),
                                   (players[5], 5, TYPO_NOTE)):  # fmt: skip
        assert await study.await_dispute(player, rounds[player.id], position) == ids[position]
        dispute = await study.take_dispute_text(player, note)
        assert dispute is not None
        disputes[note] = dispute
    await quiz.start_round(players[7].id, ChatKind.PRIVATE, players[7], RoundRequest(size=3))
    return ids, disputes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: Postgres | None,
    bank: Bank,
) -> AsyncIterator[Site]:
    """The dashboard on 127.0.0.1 (a free port) over a filled database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'quiz.sqlite3'}"
    elif postgres is None:
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL)")
    else:
        url = postgres.fresh()
    clock = FakeClock(datetime(2026, 11, 15, 12, 0, tzinfo=UTC))
    store = await Store.open(url)
    ids, disputes = await fill(store, bank, clock)
    settings = Settings(
        token=None,
        database_url=url,
        admin_user_ids=frozenset({ADMIN["id"]}),
        dashboard_secret=SECRET,
        dashboard_url="http://127.0.0.1",
    )
    runner = web.AppRunner(build_app(settings, store, bank, clock=clock))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    try:
        yield Site(base, url, store, clock, replace(settings, dashboard_url=base), ids, disputes)
    finally:
        await runner.cleanup()
        await store.close()


@asynccontextmanager
async def signed_in(browser: Any, site: Site, user_id: int = ADMIN["id"]) -> AsyncIterator[Any]:
    """A browser page signed in with a fresh one-time link (issued as the bot issues it)."""
    issued = await SignIn(site.store, clock=site.clock).issue(user_id)
    context = await browser.new_context()
    try:
        page = await context.new_page()
        response = await page.goto(login_link(site.base, issued.token))
        assert response is not None and response.status == 200
        assert page.url == site.base + "/"
        yield page
    finally:
        await context.close()


@asynccontextmanager
async def anonymous(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()


def link_in(text: str) -> str:
    found = re.search(r"https?://[^\s<]+/login\?token=[A-Za-z0-9_-]+", text)
    assert found, text
    return found[0]


async def dispute_row(store: Store, dispute_id: int) -> dict[str, Any]:
    def read(q: Queries) -> dict[str, Any]:
        row = q.sql.one(
            "SELECT resolved_at, resolved_by, reply FROM disputes WHERE id = ?", (dispute_id,)
        )
        return {k: row[k] for k in ("resolved_at", "resolved_by", "reply")}

    return await store.read(read)


async def answer_count(store: Store, question_id: str | None = None) -> int:
    if question_id is None:
        return int(await store.read(lambda q: q.sql.value("SELECT COUNT(*) FROM answers")))
    return int(
        await store.read(
            lambda q: q.sql.value(
                "SELECT COUNT(*) FROM answers WHERE question_id = ?", (question_id,)
            )
        )
    )


async def numbers(page: Any, selector: str) -> list[float | None]:
    texts = await page.locator(selector).all_inner_texts()
    return [None if t.strip() == "—" else float(t.replace("−", "-")) for t in texts]


# sign-in ----------------------------------------------------------------------------------


async def test_sign_in_with_the_bots_link_works_once(
    site: Site, browser: Any, api: FakeBotApi
) -> None:
    async with site.bot(api) as bot:
        [message] = await bot.send(f.command(ADMIN, "/dashboard"))
    assert message["link_preview_options"] == {"is_disabled": True}  # no preview fetch
    link = link_in(message.text)
    assert link.startswith(site.base + "/login?token=")
    token = link.rsplit("=", 1)[1]

    async with anonymous(browser) as page:
        response = await page.goto(link)
        assert response.status == 200 and page.url == site.base + "/"
        assert await page.locator("h1").inner_text() == "Overview"
        assert await page.locator(".who").inner_text() == "signed in as 7001"  # never played
        [cookie] = await page.context.cookies()
        assert cookie["name"] == COOKIE
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
        assert abs(cookie["expires"] - time.time() - 12 * 3600) < 120

        # Stored hashed: the token's and the cookie's SHA-256, never the values.
        def read(q: Queries) -> tuple[Any, Any]:
            used = q.sql.value(
                "SELECT used_at FROM login_tokens WHERE token_hash = ?",
                (hashlib.sha256(token.encode()).hexdigest(),),
            )
            session = q.sql.one(
                "SELECT user_id, csrf FROM dashboard_sessions WHERE session_hash = ?",
                (hashlib.sha256(cookie["value"].encode()).hexdigest(),),
            )
            return used, session

        used, session = await site.store.read(read)
        assert used is not None and session["user_id"] == ADMIN["id"]
        # The same link again, even in the signed-in browser: refused.
        again = await page.goto(link)
        assert again.status == 401
        assert "Send /dashboard to the bot" in await page.inner_text("main")

    async with anonymous(browser) as page:
        response = await page.goto(link)
        assert response.status == 401
        assert "works once, for 10 minutes" in await page.inner_text("main")
        assert await page.context.cookies() == []
        assert (await page.goto(site.base + "/")).status == 401


async def test_a_link_expires_after_ten_minutes(site: Site, browser: Any) -> None:
    issued = await SignIn(site.store, clock=site.clock).issue(ADMIN["id"])
    site.clock.advance(minutes=10, seconds=1)
    async with anonymous(browser) as page:
        response = await page.goto(login_link(site.base, issued.token))
        assert response.status == 401 and await page.context.cookies() == []


async def test_dashboard_command_gives_links_only_to_admins_in_private(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    group = f.group_chat(-100500)
    settings = {
        "admin_user_ids": frozenset({ADMIN["id"]}),
        "dashboard_url": "https://dash.example.org",
        "dashboard_secret": SECRET,
    }
    async with running_bot(api, db_url, clock, **settings) as bot:
        [refused] = await bot.send(f.command(OTHER, "/dashboard"))
        assert "for the people who keep the question bank" in refused.text
        [in_group] = await bot.send(f.command(ADMIN, "/dashboard", group))
        [[button]] = in_group["reply_markup"]["inline_keyboard"]
        assert button["text"] == "💬 Open private chat" and "t.me/" in button["url"]
        [link] = await bot.send(f.command(ADMIN, "/dashboard"))
        assert link_in(link.text).startswith("https://dash.example.org/login?token=")
        tokens = await bot.store.read(lambda q: q.sql.value("SELECT COUNT(*) FROM login_tokens"))
    assert tokens == 1  # only the private request made one
    assert sum("token=" in c.text for c in api.of("sendMessage")) == 1

    async with running_bot(api, db_url, clock, admin_user_ids=settings["admin_user_ids"]) as bot:
        [unset] = await bot.send(f.command(ADMIN, "/dashboard"))
        assert "not set up" in unset.text and "DASHBOARD_URL" in unset.text
        assert "DASHBOARD_SECRET" in unset.text and "token=" not in unset.text


# no session, no data ----------------------------------------------------------------------


async def test_no_data_without_a_valid_admin_session(site: Site, browser: Any) -> None:
    paths = ["/", "/questions", f"/questions/{site.ids[0]}", "/paragraphs", "/disputes",
             "/export/questions.csv", "/questions?sort=answers"]  # fmt: skip
    async with anonymous(browser) as page:
        for path in paths:
            response = await page.goto(site.base + path)
            assert response.status == 401, path
            body = await page.content()
            assert "Send /dashboard to the bot" in body
            assert site.ids[0] not in body and "Player" not in body and "Typo" not in body
        # A forged cookie, and a well-signed one that names no session.
        for value in ("forged.cookie", sign(SECRET, "no-such-session"), sign("x" * 40, "a")):
            await page.context.add_cookies([{"name": COOKIE, "value": value, "url": site.base}])
            response = await page.goto(site.base + "/disputes")
            assert response.status == 401 and "Typo" not in await page.content()

    # A live session of someone who is not (or no longer) in ADMIN_USER_IDS: 403.
    opened_as = SignIn(site.store, SECRET, site.clock)
    issued = await opened_as.issue(OTHER["id"])
    opened = await opened_as.redeem(issued.token, {OTHER["id"]})  # an admin elsewhere
    assert opened.cookie is not None
    async with anonymous(browser) as page:
        await page.context.add_cookies(
            [{"name": COOKIE, "value": opened.cookie, "url": site.base}]
        )
        for path in paths:
            response = await page.goto(site.base + path)
            assert response.status == 403, path
            assert "Typo" not in await page.content()
        # ... and their link, opened on this dashboard: no session at all.
        second = await opened_as.issue(OTHER["id"])
        response = await page.goto(login_link(site.base, second.token))
        assert response.status == 403


async def test_post_without_the_csrf_token_is_refused(site: Site, browser: Any) -> None:
    dispute = site.disputes[PLAIN_NOTE]
    url = f"{site.base}/disputes/{dispute}/resolve"
    async with signed_in(browser, site) as page:
        for form in ({"reply": "no token"}, {"reply": "wrong", "csrf": "not-the-token"}):
            response = await page.context.request.post(url, form=form, max_redirects=0)
            assert response.status == 403
            assert "security token" in await response.text()
        response = await page.context.request.post(site.base + "/logout", form={}, max_redirects=0)
        assert response.status == 403
        assert (await page.goto(site.base + "/disputes")).status == 200  # still signed in
    async with anonymous(browser) as page:
        response = await page.context.request.post(url, form={"csrf": "x"}, max_redirects=0)
        assert response.status == 401
    assert (await dispute_row(site.store, dispute))["resolved_at"] is None


# pages -----------------------------------------------------------------------------------


async def test_overview_chart_and_table(site: Site, browser: Any) -> None:
    async with signed_in(browser, site) as page:
        assert await page.locator("#players").inner_text() == str(len(ABILITY))
        assert await page.locator("#active-rounds").inner_text() == "1"
        assert await page.locator("#open-disputes").inner_text() == str(
            await site.store.read(lambda q: q.count_open_disputes())
        )
        assert await page.locator("#answers-chart rect.bar").count() == 30
        rows = await page.locator("#days tbody tr").all_inner_texts()
        assert len(rows) == 30
        total = await answer_count(site.store)
        assert total == len(ABILITY) * len(site.ids) + 5  # and ¶1's five again
        assert sum(int(r.split("\t")[1]) for r in rows) == total
        assert await page.locator("#answers").inner_text() == str(total)
        assert await page.locator("script").count() == 0


async def test_sort_and_filter_the_questions_table(site: Site, browser: Any) -> None:
    async with signed_in(browser, site) as page:
        await page.goto(site.base + "/questions")
        assert "upper–lower 27 %" in await page.inner_text("main")
        await page.click("th a[data-column=p_value]")
        assert "sort=p_value" in page.url
        assert await page.get_attribute("th:has(a[data-column=p_value])", "aria-sort") == (
            "ascending"
        )
        values = await numbers(page, "td[data-key=p_value]")
        known = [v for v in values if v is not None]
        assert len(known) == len(site.ids) and known == sorted(known)
        assert values[: len(known)] == known  # unanswered questions last
        await page.click("th a[data-column=p_value]")
        assert "order=desc" in page.url
        known_desc = [v for v in await numbers(page, "td[data-key=p_value]") if v is not None]
        assert known_desc == sorted(known, reverse=True)

        await page.goto(site.base + "/questions?sort=answers&order=desc")
        answers = await numbers(page, "td[data-key=answers]")
        assert answers == sorted(answers, reverse=True)  # type: ignore[type-var]
        assert answers[0] == len(ABILITY) + 1  # ¶1's questions, played twice by one player

        await page.select_option("select[name=flag]", "disputed")
        await page.click("form.filters button")
        assert "flag=disputed" in page.url and "sort=answers" in page.url
        rows = page.locator("#questions tbody tr")
        assert await rows.count() >= 1
        for i in range(await rows.count()):
            assert await rows.nth(i).locator(".flag-disputed").count() == 1
        await page.goto(site.base + "/questions?topic=no-such-topic&sort=nonsense")
        assert await page.locator("#questions tbody tr").count() > len(site.ids)  # unfiltered


async def test_open_a_question(site: Site, browser: Any, bank: Bank) -> None:
    question = bank.get(site.ids[1])
    assert question is not None
    async with signed_in(browser, site) as page:
        await page.goto(site.base + "/questions")
        await page.click(f"a[href='/questions/{question.id}']")
        assert page.url == f"{site.base}/questions/{question.id}"
        assert await page.locator("h1").inner_text() == question.question
        options = page.locator("#options tbody tr")
        assert await options.count() == len(question.options)
        picks = 0
        for i, text in enumerate(question.options):
            row = options.nth(i)
            assert text in await row.inner_text()
            share = (await row.locator("td").nth(2).inner_text()).rstrip(" %")
            bar = row.locator("svg rect").nth(1)
            assert float(await bar.get_attribute("width")) == pytest.approx(
                float(share) * 2, abs=1.1
            )
            picks += int(await row.locator("td").nth(1).inner_text())
            right = await row.locator(".tag.ok").count()
            assert right == (i == question.answer)
        assert picks == await answer_count(site.store, question.id)
        marked = page.locator(f"#p{question.paragraph} mark")
        assert await marked.inner_text() == question.quote
        paragraph = await page.locator(f"#p{question.paragraph} p").inner_text()
        assert paragraph == bank.article.paragraph(question.paragraph)
        notes = await page.locator("#question-disputes .note").all_inner_texts()
        assert notes == [HTML_NOTE]


async def test_a_note_with_html_is_shown_as_text(site: Site, browser: Any) -> None:
    async with signed_in(browser, site) as page:
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        await page.goto(site.base + "/disputes")
        note = page.locator(f"#d{site.disputes[HTML_NOTE]} .note")
        assert await note.inner_text() == HTML_NOTE
        assert await note.locator("*").count() == 0  # no <script>, no <b>: just text
        assert await page.locator("script").count() == 0
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in await page.content()
        who = page.locator(f"#d{site.disputes[HTML_NOTE]} .user")
        assert await who.inner_text() == "<b>Eve</b> & co"
        assert dialogs == []


async def test_paragraphs_shaded_by_mastery(site: Site, browser: Any, bank: Bank) -> None:
    async with signed_in(browser, site) as page:
        await page.goto(site.base + "/paragraphs")
        sections = page.locator("section.para")
        assert await sections.count() == bank.article.body_count
        first = sections.nth(0)
        label = await first.locator(".label").inner_text()
        assert f"{len(bank.for_paragraph(1))} questions" in label
        assert int(await first.get_attribute("data-mastered") or 0) >= 1  # player 0: all right
        assert re.search(r"\bm([1-9]|10)\b", await first.get_attribute("class") or "")
        assert f"of {len(ABILITY)} " in label
        untouched = sections.nth(bank.article.body_count - 1)
        assert "m0" in (await untouched.get_attribute("class") or "").split()
        assert await untouched.get_attribute("data-mastered") == "0"


async def test_export_csv(site: Site, browser: Any, bank: Bank) -> None:
    async with signed_in(browser, site) as page:
        response = await page.context.request.get(site.base + "/export/questions.csv")
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/csv")
        lines = (await response.text()).splitlines()
        assert lines[0] == (
            "id,paragraphs,topic,difficulty,answers,correct,p_value,discrimination,"
            "median_ms,disputes"
        )
        assert len(lines) == 1 + len(bank)
        rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
        first = rows[site.ids[0]]
        assert first[4] == str(await answer_count(site.store, site.ids[0])) and first[9] == "1"
        assert 0 <= float(first[6]) <= 1 and -1 <= float(first[7]) <= 1
        assert int(first[8]) == 3000
        assert rows[bank.questions[-1].id][4:] == ["0", "0", "", "", "", "0"]


async def test_resolve_a_dispute_the_bot_agrees(site: Site, browser: Any, api: FakeBotApi) -> None:
    dispute = site.disputes[TYPO_NOTE]
    async with signed_in(browser, site) as page:
        await page.goto(site.base + "/disputes")
        before = int(await page.locator("#open-count").inner_text())
        entry = page.locator(f"#d{dispute}")
        await entry.locator("input[name=reply]").fill("Fixed, thank you!")
        await entry.locator("button").click()
        await page.wait_for_url(f"{site.base}/disputes?resolved={dispute}")
        assert f"Dispute #{dispute} resolved." in await page.locator(".notice").inner_text()
        assert await page.locator(f"#d{dispute}").count() == 0
        assert int(await page.locator("#open-count").inner_text()) == before - 1
    row = await dispute_row(site.store, dispute)
    assert row["resolved_at"] is not None
    assert (row["resolved_by"], row["reply"]) == (ADMIN["id"], "Fixed, thank you!")

    async with site.bot(api) as bot:
        [listing] = await bot.send(f.command(ADMIN, "/disputes"))
    assert f"<b>#{dispute}</b>" not in listing.text
    assert f"<b>#{site.disputes[HTML_NOTE]}</b>" in listing.text
    assert f"{before - 1} open dispute" in listing.text


# pieces and the process ---------------------------------------------------------------------


def test_quotes_are_marked_even_across_paragraphs() -> None:
    [one] = highlight([3], ["Alpha beta gamma."], "beta")
    assert one.pieces == (("Alpha ", False), ("beta", True), (" gamma.", False))
    two = highlight([4, 5], ["One two.", "Three four."], "two.\n\nThree")
    assert [p.pieces for p in two] == [
        (("One ", False), ("two.", True)),
        (("Three", True), (" four.", False)),
    ]
    [none] = highlight([1], ["Nothing here."], "absent")
    assert none.pieces == (("Nothing here.", False),) and not none.quoted


def test_bar_chart_geometry() -> None:
    chart = bar_chart([("a", 0), ("b", 3), ("c", 6)], width=106, height=134, every=2)
    assert chart.top_value == 10  # 6 rounds up to 10
    assert [b.height for b in chart.bars] == [0, 30, 60]  # plot height 100
    assert [b.y + b.height for b in chart.bars] == [chart.bottom] * 3
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    assert [(t.label, t.anchor) for t in chart.x_ticks] == [("a", "middle"), ("c", "end")]
    assert bar_chart([("a", 0)]).empty


async def test_python_m_bot_dashboard_refuses_to_start_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DASHBOARD_SECRET", raising=False)
    assert bot_main(["dashboard"]) == 2
    monkeypatch.setenv("DASHBOARD_SECRET", "too-short")
    assert bot_main(["dashboard"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(
        line.startswith("DASHBOARD_SECRET must be set") for line in lines
    )


async def test_python_m_bot_dashboard_serves_until_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quiz.sqlite3'}",
        "DASHBOARD_SECRET": SECRET,
        "DASHBOARD_PORT": str(port),
        "ADMIN_USER_IDS": str(ADMIN["id"]),
    }
    env.pop("DASHBOARD_HOST", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "dashboard", env=env, stderr=asyncio.subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(base + "/healthz") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            async with http.get(base + "/login?token=never-in-a-log") as response:
                assert response.status == 401
            async with http.get(base + "/") as response:
                assert response.status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0
    log = err.decode()
    assert f"dashboard on http://127.0.0.1:{port}" in log
    assert "GET /login 401" in log and "never-in-a-log" not in log
