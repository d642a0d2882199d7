"""Funding: donors, contributions, the append-only ledger, NRI grants and the public transparency view."""

from igf_hub.funding.controllers import FundingController
from igf_hub.funding.public_controllers import TransparencyController

__all__ = ["FundingController", "TransparencyController"]
