"""The MAG's cached reads: ETag and 304, public for anonymous readers, private and varying for signed-in ones."""

from __future__ import annotations

from datetime import timedelta

import httpx

from igf_hub.core.clock import Clock
from tests.mag.support import Mag
from tests.support.caching import PRIVATE, PUBLIC, assert_revalidates


async def test_mag_reads_revalidate_and_role_varying_lists_say_vary(
    client: httpx.AsyncClient, mag: Mag, clock: Clock
) -> None:
    today = clock.now().date()
    await mag.cycle(2027, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=30))
    await mag.person("Ada Lovelace")

    await assert_revalidates(client, "/v1/mag/cycles/2027", cache_control=PUBLIC)
    await assert_revalidates(client, "/v1/mag/cycles/2027", mag.headers, cache_control=PRIVATE)
    await assert_revalidates(client, "/v1/mag/cycles", cache_control=PUBLIC)
    await assert_revalidates(client, "/v1/mag/cycles/2027/balance", cache_control=PUBLIC)
    # the Secretariat's list of people holds private fields: never shared, and it says it varies
    await assert_revalidates(client, "/v1/mag/people", mag.headers, cache_control=PRIVATE)
    await assert_revalidates(client, "/v1/mag/people", cache_control=PUBLIC)
