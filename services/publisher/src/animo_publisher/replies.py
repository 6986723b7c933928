"""Reply templates per complaint topic, with named placeholders, so the first answer leaves at once.

A template is plain text with `{placeholder}` fields from a fixed list; nothing else is
interpreted (no attribute access, no format spec), so a template cannot reach into objects.
"""

from __future__ import annotations

import string
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from animo_shared.events import BrandId
from animo_shared.store import Document

PLACEHOLDERS: dict[str, str] = {
    "author": "the handle or name of the person answered",
    "brand": "the brand's display name",
    "topic": "the complaint topic",
    "agent": "who answers (the actor)",
    "order_id": "an order or case number",
    "link": "a help or tracking link",
}
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


class TemplateError(ValueError):
    """A template or its values do not fit: `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def placeholders(text: str) -> list[str]:
    """The placeholder names a template uses, in order, once each; refuses anything else."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateError(
            "text", f"malformed template: {error} (write {{{{ for a brace)"
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise TemplateError(
                "text",
                f"unknown placeholder {shown}; known: "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        if name not in names:
            names.append(name)
    return names


def render(text: str, values: dict[str, str]) -> str:
    needed = placeholders(text)
    missing = [name for name in needed if not values.get(name)]
    if missing:
        raise TemplateError(
            "values", f"missing value(s) for: {', '.join('{' + m + '}' for m in missing)}"
        )
    return text.format_map({name: values[name] for name in needed})


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brand: BrandId
    topic: Topic = Field(description="The complaint topic it answers (delivery, refund, …).")
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    name: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=5000)

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            placeholders(value)
        except TemplateError as error:
            raise ValueError(str(error)) from None
        return value


class ReplyTemplate(Document):
    brand: str
    topic: str
    lang: str | None = None
    name: str
    text: str
    placeholders: list[str]
    created_at: datetime
    updated_at: datetime


class TemplatePage(BaseModel):
    items: list[ReplyTemplate]


class RenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brand: BrandId
    template_id: str | None = Field(default=None, description="This template, or else…")
    topic: Topic | None = Field(default=None, description="…the brand's template for the topic.")
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    values: dict[str, Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=dict
    )


class RenderOut(BaseModel):
    template_id: str
    text: str
