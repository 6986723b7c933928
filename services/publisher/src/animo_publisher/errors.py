"""The publisher's domain errors: refusals with the precise field, missing things, wrong states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One reason a request is refused, shaped like a FastAPI validation error item."""

    loc: tuple[str | int, ...]
    type: str
    msg: str
    input: Any = None
    ctx: dict[str, Any] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": self.type, "loc": list(self.loc), "msg": self.msg}
        if self.input is not None:
            item["input"] = self.input
        if self.ctx:
            item["ctx"] = self.ctx
        return item


class Refused(ValueError):
    """The request cannot be done as asked (HTTP 422); every issue names its field."""

    def __init__(self, *issues: Issue) -> None:
        super().__init__("; ".join(i.msg for i in issues))
        self.issues = issues


class NotFound(LookupError):
    """HTTP 404."""


class Forbidden(PermissionError):
    """The actor may not do this (HTTP 403)."""


class Conflict(RuntimeError):
    """Someone else changed the post meanwhile (HTTP 409): read it again and retry."""
