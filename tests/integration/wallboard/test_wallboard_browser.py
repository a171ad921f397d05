"""The wallboard in a real browser (Debian's Chromium, driven by Playwright): a supervisor logs
in with their username and password, sees a caller waiting appear and an agent's state change
(a phone code keyed on a real SIPp phone) within a second of the service's event, sees the
page marked stale when the service stops, and live again when it is back. Screenshots are
kept under the test's temporary directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from ccc_telephony.app import Service
from ccc_telephony.store.events import CallEvent
from tests.integration.agents.conftest import Api
from tests.integration.support.browser import browser_page
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers
from tests.sipp import SipPhone

PASSWORD = "wallboard pass phrase"
WITHIN_SECONDS = 1.0


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with browser_page() as page:
        yield page


@pytest.fixture
async def supervisor(api: Api) -> AsyncIterator[str]:
    body = {"id": "wbsup", "name": "Wall Supervisor", "extension": "3970", "team": "ebd"}
    status, reply = await api.call("POST", "/api/v1/agents", {**body, "role": "supervisor"})
    assert status == 201, reply
    status, reply = await api.call("PUT", "/api/v1/agents/wbsup/password", {"password": PASSWORD})
    assert status == 200, reply
    yield "wbsup"
    await api.call("DELETE", "/api/v1/agents/wbsup")


class Moment:
    """When the service did something, on the event loop's clock."""

    def __init__(self) -> None:
        self.at = asyncio.get_running_loop().create_future()

    def mark(self) -> None:
        if not self.at.done():
            self.at.set_result(asyncio.get_running_loop().time())


def _page_sees(waiting: Awaitable[Any]) -> asyncio.Task[float]:
    """When the page shows it (the loop's clock), whatever the test awaits meanwhile."""

    async def seen() -> float:
        await waiting
        return asyncio.get_running_loop().time()

    return asyncio.create_task(seen())


async def _seen_within(moment: Moment, page_sees: asyncio.Task[float]) -> float:
    """Seconds from the service's event to the page showing it."""
    seen = await page_sees
    async with asyncio.timeout(5):
        at = await moment.at
    return seen - at


async def _dial(phone: SipPhone, code: str) -> None:
    ports = {"local_port": free_udp_port(), "media_port": free_udp_port(even=True)}
    async with phone.dial(code, **ports) as call:
        assert await call.ended() == "far"


async def test_the_wallboard_is_live_in_a_browser(
    page: Page,
    service: Service,
    service_runner: ServiceRunner,
    supervisor: str,
    phones: Callable[..., Any],
    callers: Callers,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    base = f"http://127.0.0.1:{service.settings.http_port}"
    phone = await phones("wbann", "3971", "ebd")

    await page.goto(base + "/wallboard")  # not logged in: the login page
    assert page.url.endswith("/login")
    await page.fill("#username", supervisor)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/wallboard")
    status = page.locator("#status")
    await expect(status).to_have_attribute("data-state", "live")
    await page.wait_for_selector('tr[data-agent="wbann"][data-state="ready"]')
    await page.screenshot(path=tmp_path / "1-logged-in.png", full_page=True)

    # The agent keys On Break on their phone.
    on_break = Moment()
    stop_listening = service.agents.on_agent_event(
        lambda name, d: (
            on_break.mark() if d.get("agent") == "wbann" and d.get("state") == "not_ready" else None
        )
    )
    shown = _page_sees(
        page.wait_for_selector('tr[data-agent="wbann"][data-state="not_ready"]', timeout=20_000)
    )
    await _dial(phone, "*733")
    latency = await _seen_within(on_break, shown)
    assert latency < WITHIN_SECONDS, f"the state change took {latency:.2f} s to show"
    stop_listening()
    assert "Not Ready: On Break" in await page.inner_text('tr[data-agent="wbann"]')

    # A caller keys 0 for the operator: nobody answers, they wait.
    waiting_cell = 'tr[data-queue="operator"] td[data-field="callers_waiting"]'
    before = int(await page.inner_text(waiting_cell))
    joined = Moment()
    unsubscribe = service.bus.subscribe(
        lambda event: joined.mark() if _joined(event, "operator") else None
    )
    shown = _page_sees(
        expect(page.locator(waiting_cell)).to_have_text(str(before + 1), timeout=30_000)
    )
    call = await callers.queued("10")
    latency = await _seen_within(joined, shown)
    assert latency < WITHIN_SECONDS, f"the caller took {latency:.2f} s to show"
    unsubscribe()
    await page.screenshot(path=tmp_path / "2-caller-waiting.png", full_page=True)

    try:
        await service_runner.stop()
        await expect(status).to_have_text("Stale: disconnected, reconnecting…", timeout=10_000)
        await page.screenshot(path=tmp_path / "3-stale.png", full_page=True)
    finally:
        await service_runner.start()
    await expect(status).to_have_text("Live", timeout=20_000)
    await page.screenshot(path=tmp_path / "4-live-again.png", full_page=True)
    await callers.line.hangup(call)  # the recorder listens to the stopped service


def _joined(event: CallEvent, queue: str) -> bool:
    return event.name == "queue_joined" and event.details.get("queue") == queue
