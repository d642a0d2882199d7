"""Bounded integer parameters of Messages (the year, limit and cursor are core.params): a value past what the columns hold is a 422 naming the parameter, not an
integer overflow in SQL (found by tests/hardening/test_fuzz.py).

Optional filters put ``None`` inside ``Annotated``: Litestar enforces the bounds only in that form (it
documents them either way)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

Number = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="a sequence number, from 1")]
SdgFilter = Annotated[int | None, Parameter(ge=1, le=17, description="Sustainable Development Goal number")]
GdcObjectiveFilter = Annotated[
    int | None, Parameter(ge=1, le=5, description="Global Digital Compact objective")
]
NumberFilter = Annotated[int | None, Parameter(ge=1, le=2**31 - 1, description="a sequence number, from 1")]
