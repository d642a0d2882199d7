"""The invitations API: invite, list, withdraw, accept (people/invitation_service.py has the rules)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post

from igf_hub.auth.guards import requires_authenticated
from igf_hub.auth.principal import AnyRequest
from igf_hub.core.errors import FieldError, Forbidden
from igf_hub.core.providers import reader, writer
from igf_hub.people.invitation_schemas import Invitation, InvitationAccept, InvitationCreate
from igf_hub.people.invitation_service import InvitationService

WRITE = {"invitations": writer(InvitationService)}


class InvitationController(Controller):
    path = "/v1/invitations"
    tags = ["Identity"]
    guards = [requires_authenticated]
    dependencies = {"invitations": reader(InvitationService)}

    @post("/", operation_id="CreateInvitation", dependencies=WRITE)
    async def create(
        self, data: InvitationCreate, request: AnyRequest, invitations: InvitationService
    ) -> Invitation:
        """Invite a person by e-mail to a role already bound to its object: the Secretariat to any role (MAG
        member for a cycle, coordinator of an NRI, funder of a donor, consumer staff, track facilitator); an NRI
        coordinator only co-coordinators of an NRI they coordinate; a track facilitator only co-facilitators of
        a track they facilitate (403 otherwise). The link goes by e-mail only; the answer never holds it.
        Audited."""
        return await invitations.invite(data, actor=request.user)

    @get("/", operation_id="ListInvitations")
    async def list_invitations(self, request: AnyRequest, invitations: InvitationService) -> list[Invitation]:
        """The latest 200 invitations you may see, newest first, with their state (open, accepted, revoked,
        expired): every one for the Secretariat; those to the NRIs you coordinate or the tracks you facilitate
        for anyone else (an empty list for others)."""
        return await invitations.visible(actor=request.user)

    @delete("/{invitation_id:uuid}", operation_id="RevokeInvitation", dependencies=WRITE)
    async def revoke(self, invitation_id: UUID, request: AnyRequest, invitations: InvitationService) -> None:
        """Withdraw an open invitation (its link stops working): the Secretariat, or whoever may invite to the
        same role and object. 404 for an invitation you may not withdraw; 409 when already accepted or
        withdrawn. Audited."""
        await invitations.revoke(invitation_id, actor=request.user)

    @post("/accept", operation_id="AcceptInvitation", dependencies=WRITE, status_code=200)
    async def accept(
        self, data: InvitationAccept, request: AnyRequest, invitations: InvitationService
    ) -> Invitation:
        """Accept an invitation with the token of its link, as the person you are signed in as (whatever your
        address): the role is granted to your account and the invitation is used. 404 for an unknown token, 409
        when already accepted or withdrawn, 410 when expired; a machine client cannot accept. Audited."""
        user_id = request.user.user_id
        if user_id is None:
            raise Forbidden(
                "only a person can accept an invitation", errors=[FieldError("/token", "not a person")]
            )
        return await invitations.accept(data.token, user_id=user_id)
