import pytest
from litestar import Litestar

CASES = [
    ("/v1/nris", {"type": "municipal"}),
    ("/v1/nris", {"limit": 1000}),
    ("/v1/nris", {"cursor": "!!not-a-cursor"}),
    ("/v1/audit", {"limit": 1000}),
]

@pytest.mark.parametrize(("path", "params"), CASES)
async def test_leak(client, app: Litestar, path, params) -> None:
    r = await client.get(path, params=params)
    pool = app.state.pool
    print("\nSTATUS", r.status_code, "pool size", pool.get_size(), "idle", pool.get_idle_size())
