"""An admin adds a consortium and gives it a county: its name is spoken from a sound generated
there and then, and the next caller from that county is told about it, without a restart."""

from __future__ import annotations

import asyncio
import json

from ccc_telephony.app import Service
from tests.integration.directory.conftest import API
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers

BAY_LAKE = ["Brown", "Door", "Kewaunee", "Manitowoc", "Marinette", "Oconto", "Sheboygan"]
DOOR = "15"  # the state's code for Door County


def _digests(service: Service) -> dict[str, str]:
    manifest = service.settings.generated_sounds_dir / "manifest.json"
    digests: dict[str, str] = json.loads(manifest.read_text())
    return {key: value for key, value in digests.items() if "consortium_lakeshore" in key}


async def test_a_new_consortium_is_named_to_the_next_caller(
    service: Service,
    api: API,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    new = {"id": "lakeshore", "name": "Lakeshore Consortium", "phone": "8885550120"}
    status, reply = await api("POST", "/consortia", json={**new, "counties": ["Door"]})
    assert status == 201, reply
    assert service.directory.holder.current.serving("Door").id == "lakeshore"
    for language in ("en", "es"):
        assert service.prompts.media("consortium_lakeshore", language) is not None
        assert (service.settings.sounds_dir / language / "consortium_lakeshore.wav").is_file()
    spoken = _digests(service)
    assert set(spoken) == {"en/consortium_lakeshore", "es/consortium_lakeshore"}

    call = await callers.in_main_menu()
    await line.press(call, "3")
    await recorder.wait_for(call.ivr_id, "menu_choice")
    await line.press(call, DOOR + "#")
    lookup = await recorder.wait_for(call.ivr_id, "county_lookup")
    assert lookup.details == {"code": DOOR, "county": "Door", "consortium": "lakeshore"}
    await callers.hang_up(call)

    status, reply = await api("PATCH", "/consortia/lakeshore", json={"name": "Lake Shore IM"})
    assert status == 200, reply
    renamed = _digests(service)
    assert set(renamed) == set(spoken) and all(renamed[k] != spoken[k] for k in spoken)

    status, reply = await api("PATCH", "/consortia/bay_lake", json={"counties": BAY_LAKE})
    assert status == 200 and reply["counties"] == BAY_LAKE
    status, reply = await api("DELETE", "/consortia/lakeshore")
    assert (status, reply) == (200, {"removed": "lakeshore"})
    assert service.prompts.media("consortium_lakeshore", "en") is None
    assert _digests(service) == {}
    assert not await asyncio.to_thread(
        (service.settings.sounds_dir / "en" / "consortium_lakeshore.wav").exists
    )
