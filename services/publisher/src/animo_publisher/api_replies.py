"""Reply template routes: CRUD per brand, and rendering one with its placeholders filled.

A key restricted to some brands names only those in a body (403) and finds no other brand's
template by id (404, before any change).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_brand, may_see, needs

from .access import READ
from .api import Service
from .errors import Issue, NotFound, Refused
from .replies import (
    RenderIn,
    RenderOut,
    ReplyTemplate,
    TemplateError,
    TemplateIn,
    TemplatePage,
    placeholders,
    render,
)

router = APIRouter(prefix="/v1", tags=["replies"])


async def _template(svc: Service, request: Request, template_id: str) -> ReplyTemplate:
    """The template, if the caller's key may see its brand (else the same 404 as a missing one)."""
    found = await svc.repo.template(template_id)
    if found is None or not may_see(request, found.brand):
        raise NotFound(f"no reply template {template_id!r}")
    return found


@router.post(
    "/replies/templates", status_code=201, summary="A reply template for a complaint topic"
)
async def add_template(body: TemplateIn, svc: Service, request: Request) -> ReplyTemplate:
    check_brand(request, body.brand)
    now = utcnow()
    template = ReplyTemplate(
        id="rt_" + secrets.token_hex(6),
        placeholders=placeholders(body.text),
        created_at=now,
        updated_at=now,
        **body.model_dump(),
    )
    await svc.repo.save_template(template)
    return template


@router.get("/replies/templates", summary="A brand's reply templates, by topic if given")
async def list_templates(
    svc: Service,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    topic: Annotated[str | None, Query(max_length=40)] = None,
) -> TemplatePage:
    return TemplatePage(items=await svc.repo.templates(brand, topic))


@router.get("/replies/templates/{template_id}", summary="One reply template")
async def get_template(template_id: str, svc: Service, request: Request) -> ReplyTemplate:
    return await _template(svc, request, template_id)


@router.put("/replies/templates/{template_id}", summary="Replace a reply template")
async def put_template(
    template_id: str, body: TemplateIn, svc: Service, request: Request
) -> ReplyTemplate:
    check_brand(request, body.brand)
    current = await _template(svc, request, template_id)
    if body.brand != current.brand:
        raise Refused(Issue(("body", "brand"), "brand_mismatch", "a template stays with its brand"))
    template = current.model_copy(
        update={
            **body.model_dump(),
            "placeholders": placeholders(body.text),
            "updated_at": utcnow(),
        }
    )
    await svc.repo.save_template(template)
    return template


@router.delete("/replies/templates/{template_id}", status_code=204, summary="Delete a template")
async def delete_template(template_id: str, svc: Service, request: Request) -> Response:
    await _template(svc, request, template_id)  # a template's brand never changes
    if not await svc.repo.delete_template(template_id):
        raise NotFound(f"no reply template {template_id!r}")
    return Response(status_code=204)


@router.post(
    "/replies:render",
    openapi_extra=needs(READ),  # computes, stores nothing
    summary="Fill a template (by id, or the brand's for a topic); `{brand}` defaults to the brand",
)
async def render_reply(body: RenderIn, svc: Service, request: Request) -> RenderOut:
    check_brand(request, body.brand)
    if body.template_id is not None:
        template = await _template(svc, request, body.template_id)
        if template.brand != body.brand:
            raise NotFound(f"no reply template {body.template_id!r} for this brand")
    elif body.topic is not None:
        candidates = await svc.repo.templates(body.brand, body.topic)
        preferred = [t for t in candidates if t.lang == body.lang] or candidates
        if not preferred:
            raise Refused(
                Issue(
                    ("body", "topic"), "no_template", f"no reply template for topic {body.topic!r}"
                )
            )
        template = preferred[0]
    else:
        raise Refused(Issue(("body",), "missing", "give template_id or topic"))
    settings = await svc.planner.settings(body.brand)
    values = {"brand": settings.display_name or body.brand, "topic": template.topic, **body.values}
    try:
        text = render(template.text, values)
    except TemplateError as error:
        raise Refused(Issue(("body", error.field), "template", str(error))) from None
    return RenderOut(template_id=template.id, text=text)
