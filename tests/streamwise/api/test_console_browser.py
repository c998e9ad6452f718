"""The web console in a real headless Chromium (Debian's ``chromium``, driven by Playwright;
no browser is downloaded): the API served by uvicorn over the real platform, a real
embedded broker for the dead letters, the scripted model for the agents' turns.

Screenshots of every page go to ``test-artefacts/console/`` (gitignored).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.admin import read_topic
from streams.broker import EmbeddedBroker, free_port
from streams.config import BrokerSettings
from streamwise.settings import ROOT
from tests.streamwise.api._world import (
    TOKENS,
    Model,
    big_pending_order,
    build,
    dead_letter,
    settings_for,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = ROOT / "test-artefacts" / "console"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
YES = "Yes, please go ahead."

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium "
                                 "(make test installs it)")]


class Served:
    """uvicorn in a thread; stopped (and its connections closed) at exit."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning",
                                                    timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # a readiness condition, not a timing
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as b:
        yield b


@pytest.fixture()
def browser() -> Iterator[Any]:
    """Chromium with a fresh profile (Playwright gives each launch a new user-data dir);
    each person signs in in a context of their own, with their own cookies."""
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


# Playwright's waits end as soon as their condition holds; the bound only says when to give
# up. Its 30 s default failed this test on a 2-core machine busy with a model evaluation,
# so the bound is generous: a slow machine is no failure, a page that never updates still is.
WAIT_MS = 180_000


def sign_in(browser: Any, url: str, token: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{url}/console/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_the_console_end_to_end(tmp_path: Path, seeded_template: Path, broker: EmbeddedBroker,
                                browser: Any) -> None:
    settings = settings_for(tmp_path, seeded_template)
    settings.broker.bootstrap_servers = [broker.bootstrap]
    user, order = big_pending_order(settings.store.db_path)
    model = Model()
    model.extraction({"intent": "cancel", "order_id": order})
    model.by_region()
    dead_event = dead_letter(broker.bootstrap)
    app = build(settings, model, customers={user: "customer-token"})
    try:
        with Served(app) as served:
            url = served.url
            # The customer chats: the reply streams in; the refund needs a person.
            customer = sign_in(browser, url, "customer-token")
            assert customer.locator("header nav a").all_inner_texts() == ["Chat"]
            customer.goto(f"{url}/console/chat")
            customer.click("#open-session button")
            customer.wait_for_url("**/console/chat?session=*")
            customer.fill("#say input[name=text]", f"Please cancel {order}")
            customer.click("#say button")
            reply = customer.locator("#transcript li.agent").first
            reply.wait_for()
            customer.wait_for_function(
                "document.querySelector('#transcript li.agent:not(.streaming)') !== null")
            assert order in reply.inner_text()
            customer.fill("#say input[name=text]", YES)
            customer.click("#say button")
            waiting = customer.locator("#transcript li.agent", has_text="waiting for approval")
            waiting.wait_for()
            assert "cancel_pending_order" in waiting.inner_text()
            shot(customer, "chat-waiting")

            # The operator approves; the customer's open page receives the outcome.
            operator = sign_in(browser, url, TOKENS["operator"])
            operator.wait_for_selector("#feed tbody tr")
            shot(operator, "feed")
            operator.goto(f"{url}/console/approvals")
            assert order in operator.locator("#approvals").inner_text()
            shot(operator, "approvals")
            operator.fill("#approvals input[name=reason]", "checked with the warehouse")
            operator.click("#approvals button.approve")
            operator.locator("#approvals tr.outcome").wait_for()
            assert "done" in operator.locator("#approvals tr.outcome").inner_text()
            shot(operator, "approvals-decided")
            outcome = customer.locator("#transcript li.agent", has_text="Approved")
            outcome.wait_for()
            assert order in outcome.inner_text()
            shot(customer, "chat-outcome")

            # A trace, from the list to its steps.
            operator.goto(f"{url}/console/traces")
            operator.select_option("select[name=agent]", "support")
            operator.click(".filters button")
            operator.locator("#trace-rows a").first.click()
            operator.locator("#steps tbody tr").first.wait_for()
            assert "support" in operator.locator(".facts").inner_text()
            shot(operator, "trace")

            # A dead letter, redriven to its topic.
            operator.goto(f"{url}/console/dlq?topic=tickets")
            assert "TimeoutError" in operator.locator("#dead-letters").inner_text()
            shot(operator, "dlq")
            operator.locator("#dead-letters button").first.click()
            operator.locator("#redrive-result .redriven").wait_for()
            assert "→ tickets/" in operator.locator("#redrive-result").inner_text()
            shot(operator, "dlq-redriven")

            # The analyst asks; the chart is drawn by vega-embed from the vendored files.
            analyst = sign_in(browser, url, TOKENS["analyst"])
            analyst.goto(f"{url}/console/analyst")
            analyst.fill("form.ask input[name=question]", "Units sold per region last month")
            analyst.click("form.ask button")
            analyst.locator("#chart.rendered svg").wait_for()
            assert analyst.locator("#chart svg .mark-rect path").count() == 6
            assert analyst.locator("#answer-table tbody tr").count() == 6
            shot(analyst, "analyst")
            for context in browser.contexts:  # their event streams end before the server stops
                context.close()
    finally:
        app.state.ctx.platform.close()
    on_broker = BrokerSettings(bootstrap_servers=[broker.bootstrap])
    redriven = [r for r in read_topic(on_broker, "tickets", from_beginning=True, follow=False)
                if r.payload and r.payload.get("event_id") == dead_event]
    assert redriven and dict(redriven[0].headers)["redrive.from"].startswith("tickets.dlq/")
