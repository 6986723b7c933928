"""`POST /v1/posts:preview`: how one message would read on each network, before any channel exists."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from animo_shared.http import needs

from .access import READ
from .adaptation import ChannelKind, Severity, Variant, preview

router = APIRouter(prefix="/v1", tags=["publishing"])

# Generous over Facebook's 63,206 so a too-long text gets cut and reported rather than refused,
# yet bounded: the adaptation is CPU work done per request.
MAX_TEXT = 100_000


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_TEXT, description="The message, as written once.")
    channels: list[ChannelKind] = Field(
        min_length=1, max_length=7, description="Network kinds, each at most once."
    )
    overrides: dict[ChannelKind, Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        default_factory=dict,
        description="Hand-written text per kind, used as is; on X and Mastodon a line of "
        "`---` separates thread parts.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> PreviewIn:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must be unique")
        stray = sorted(set(self.overrides) - set(self.channels))
        if stray:
            raise ValueError(f"overrides for kinds not in channels: {', '.join(stray)}")
        return self


class ProblemOut(BaseModel):
    code: str = Field(description="Stable machine code, e.g. `too_many_hashtags`.")
    message: str
    severity: Severity = Field(description="`error` blocks publishing; `warning` informs.")


class VariantOut(BaseModel):
    channel: ChannelKind
    parts: list[str] = Field(description="One part, or a thread posted as a reply chain.")
    weighted_lengths: list[int] = Field(description="Each part's length as its network counts.")
    problems: list[ProblemOut]

    @classmethod
    def of(cls, variant: Variant) -> VariantOut:
        return cls(
            channel=cast(ChannelKind, variant.channel),
            parts=list(variant.parts),
            weighted_lengths=list(variant.weighted_lengths),
            problems=[
                ProblemOut(code=p.code, message=p.message, severity=p.severity)
                for p in variant.problems
            ],
        )


class PreviewOut(BaseModel):
    variants: list[VariantOut]


# A plain `def`: FastAPI runs it in the thread pool, so a long text being cut does not stall
# the event loop that also drives the scheduler.
@router.post(
    "/posts:preview",
    openapi_extra=needs(READ),  # computes, stores nothing: a reader may preview
    summary="Preview the variant each network kind would get (no channel needed)",
)
def preview_post(body: PreviewIn) -> PreviewOut:
    overrides: dict[str, str] = dict(body.overrides.items())
    variants = preview(body.text, body.channels, overrides=overrides)
    return PreviewOut(variants=[VariantOut.of(v) for v in variants])
