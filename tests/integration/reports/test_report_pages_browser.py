"""The report pages in a real browser (Debian's Chromium through Playwright) against the real
service: the admin logs in, opens the interval report and sees today's calls drawn as a chart
with its figures and definitions, then the abandoned list with the caller who gave up, a CSV
link of the same query, and that look recorded as a read of call data. Screenshots are kept
under the test's temporary directory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Page, expect

from ccc_telephony.app import Service
from ccc_telephony.store.events import CallEvent
from tests.integration.support.browser import browser_page, log_in


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with browser_page() as page:
        yield page


async def _seed(service: Service) -> str:
    """Two callers to EBD a few minutes ago, through the service's own event writer: one
    answered after 20 s, one who hung up after 45 s in line (second in it). Their number."""
    now = service.clock()
    number = "60855" + str(secrets.randbelow(10**5)).zfill(5)
    answered = _Call(now - timedelta(minutes=5), number, position=1)
    answered.then(20, "agent_answered", queue="ebd", agent="x", wait_seconds=20)
    gave_up = _Call(now - timedelta(minutes=4), number, position=2)
    gave_up.then(45, "abandoned", queue="ebd", wait_seconds=45, position=2)
    for event in answered.events + gave_up.events:
        service.writer.emit(event)
    await service.writer.wait_idle()
    return number


class _Call:
    """A call from `number` that joined EBD at `joined`, and what happened after."""

    def __init__(self, joined: datetime, number: str, *, position: int) -> None:
        self.id, self.joined, self.events = f"page-{secrets.token_hex(6)}", joined, []
        self.then(0, "call_started", caller_number=number)
        self.then(1, "queue_joined", queue="ebd", position=position)

    def then(self, seconds: int, name: str, **details: object) -> None:
        at = self.joined + timedelta(seconds=seconds)
        self.events.append(CallEvent(self.id, name, details, at=at))


async def test_a_supervisor_reads_the_reports_with_their_charts(
    page: Page, service: Service, admin_token: str, database_url: str, tmp_path: Path
) -> None:
    number = await _seed(service)
    base = f"http://127.0.0.1:{service.settings.http_port}"
    await log_in(page, base, "admin", admin_token)

    await page.goto(base + "/reports")
    await page.wait_for_url(base + "/reports/interval")
    status = page.locator("#report-status")
    await expect(status).to_contain_text("rows")
    chart = page.locator("#chart svg.chart")
    await expect(chart.locator("title").first).to_have_text("Calls and service level by interval")
    assert await chart.locator("rect[fill]").count() > 3
    # The day by the hour: EBD's hours offered the two callers between them.
    ebd_hours = page.locator("#rows tbody tr", has=page.locator("td:first-child", has_text="ebd"))
    assert await ebd_hours.count() in (23, 24, 25)
    offered = [int(text) for text in await ebd_hours.locator("td:nth-child(4)").all_inner_texts()]
    assert sum(offered) >= 2
    await expect(page.locator("#definitions")).to_contain_text("short abandon")
    await expect(page.locator("#definitions")).to_contain_text("within 60 s")
    await page.screenshot(path=tmp_path / "1-interval.png", full_page=True)

    await page.click("nav >> text=Abandoned calls")
    await page.wait_for_url(base + "/reports/abandoned")
    row = page.locator("#rows tbody tr", has_text=number)
    await expect(row).to_contain_text("45")
    assert await page.locator("#chart svg.chart rect[fill]").count() >= 6
    csv = await page.get_attribute("#csv", "href")
    assert csv is not None and csv.startswith("/api/v1/reports/abandoned?") and "format=csv" in csv
    await page.screenshot(path=tmp_path / "2-abandoned.png", full_page=True)

    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        read = await connection.fetchrow(
            "SELECT who, role FROM call_data_reads WHERE what = 'reports/abandoned'"
            " ORDER BY id DESC LIMIT 1"
        )
    finally:
        await connection.close()
    assert read is not None and (read["who"], read["role"]) == ("admin", "admin")
