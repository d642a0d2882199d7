from __future__ import annotations

import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.mag.support import Mag
from tests.support.auth import Caller, TokenFactory


@pytest.fixture
async def secretariat(tokens: TokenFactory) -> Caller:
    return await tokens.user(Role.secretariat)


@pytest.fixture
async def mag(client: httpx.AsyncClient, secretariat: Caller, tokens: TokenFactory, clock: Clock) -> Mag:
    return Mag(client, secretariat, tokens, clock)
