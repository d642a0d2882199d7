"""Coordinators: invited and removed by coordinators, reassigned by the Secretariat, effective next request."""

from __future__ import annotations

from igf_hub.auth.principal import Role
from tests.nri.helpers import Client, problem, recognised, register
from tests.support.auth import TokenFactory


async def test_coordinators_invite_and_remove_each_other(client: Client, tokens: TokenFactory) -> None:
    first = await tokens.user(email="first@example.org")
    second = await tokens.user(email="second@example.org")
    nri = await register(client, first)
    path = f"/v1/nris/{nri['id']}"

    # Not yet a coordinator: the draft is invisible to them.
    problem(await client.get(path, headers=second.headers), 404)

    added = await client.post(
        f"{path}/coordinators", json={"email": "second@example.org"}, headers=first.headers
    )
    assert added.status_code == 201, added.text
    assert added.json() == {"user_id": str(second.id), "email": "second@example.org", "display_name": ""}
    listed = await client.get(f"{path}/coordinators", headers=first.headers)
    assert [c["email"] for c in listed.json()] == ["first@example.org", "second@example.org"]

    # The grant applies from the next request: the co-coordinator may edit.
    edit = await client.patch(path, json={"acronym": "KeIGF"}, headers={**second.headers, "If-Match": '"1"'})
    assert edit.status_code == 200, edit.text

    problem(
        await client.post(f"{path}/coordinators", json={"user_id": str(second.id)}, headers=first.headers),
        409,
        "nri-already-coordinator",
    )
    problem(
        await client.post(
            f"{path}/coordinators", json={"email": "nobody@example.org"}, headers=first.headers
        ),
        422,
        "unknown-user",
    )
    for invalid in ({}, {"email": "second@example.org", "user_id": str(second.id)}):
        problem(
            await client.post(f"{path}/coordinators", json=invalid, headers=first.headers),
            422,
            "validation-failed",
        )

    # The second removes the first; the first loses access on their next request.
    removed = await client.delete(f"{path}/coordinators/{first.id}", headers=second.headers)
    assert removed.status_code == 204, removed.text
    problem(await client.get(path, headers=first.headers), 404)
    problem(await client.delete(f"{path}/coordinators/{first.id}", headers=second.headers), 404)
    # The last coordinator stays.
    problem(
        await client.delete(f"{path}/coordinators/{second.id}", headers=second.headers),
        409,
        "nri-last-coordinator",
    )

    history = (await client.get(f"{path}/history", headers=second.headers)).json()["items"]
    assert [(e["action"], e["data"].get("user_id")) for e in history if "coordinator" in e["action"]] == [
        ("nri.coordinator_added", str(second.id)),
        ("nri.coordinator_removed", str(first.id)),
    ]


async def test_the_secretariat_reassigns_a_recognised_nri(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    leaving, arriving = await tokens.user(), await tokens.user(email="arriving@example.org")
    nri = await recognised(client, leaving, secretariat)
    path = f"/v1/nris/{nri['id']}"

    added = await client.post(
        f"{path}/coordinators", json={"user_id": str(arriving.id)}, headers=secretariat.headers
    )
    assert added.status_code == 201, added.text
    assert (
        await client.delete(f"{path}/coordinators/{leaving.id}", headers=secretariat.headers)
    ).status_code == 204
    listed = await client.get(f"{path}/coordinators", headers=secretariat.headers)
    assert [c["user_id"] for c in listed.json()] == [str(arriving.id)]

    # The former coordinator can still read the public NRI but no longer edit it.
    problem(
        await client.patch(
            path,
            json={"website": "https://x.example"},
            headers={**leaving.headers, "If-Match": f'"{nri["version"]}"'},
        ),
        403,
    )
    edit = await client.patch(
        path,
        json={"website": "https://new.example"},
        headers={**arriving.headers, "If-Match": f'"{nri["version"]}"'},
    )
    assert edit.status_code == 200, edit.text
