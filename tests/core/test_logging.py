from __future__ import annotations

import json

import httpx
import pytest
import structlog

from igf_hub.core.logging import configure_logging


async def test_json_logs_carry_the_request_id(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(fmt="json", level="info")
    try:
        response = await client.get("/v1/vocab/sdgs", headers={"X-Request-Id": "req-42"})
        assert response.status_code == 200
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        structlog.reset_defaults()
    access = [line for line in lines if line.get("event") == "request.completed"]
    assert access == [
        {**access[0], "request_id": "req-42", "method": "GET", "path": "/v1/vocab/sdgs", "status": 200}
    ]
    assert access[0]["level"] == "info" and access[0]["timestamp"].endswith("Z")
