"""A campaign's announcement and its reminders, written at once and spread over its window.

The times come from the campaign plan (`Planner.campaign_plan`): the announcement when the
window opens (or now, if it is open), each reminder at its share of what is left, moved to
the next time every channel's cadence allows, counting the posts proposed before it. Every
text is checked for every channel before any post is stored, so a refusal leaves nothing
half made; each post then goes through the usual workflow (moderation, approval).
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from .access import Actor
from .errors import Issue, NotFound, Refused
from .models import Post, PostIn
from .service import PublisherService
from .validation import Content, check_content, refuse_if


class CampaignPostsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channels: list[str] = Field(min_length=1, max_length=20, description="Channel ids.")
    announcement: str = Field(min_length=1, max_length=63_206)
    reminders: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Reminder texts, in order; spread over the rest of the window.",
    )
    submit: bool = Field(default=False, description="Submit each for moderation and approval.")


class CampaignPostsOut(BaseModel):
    items: list[Post]


async def campaign_posts(
    service: PublisherService, campaign_id: str, body: CampaignPostsIn, actor: Actor
) -> list[Post]:
    campaign = await service.repo.campaign(campaign_id)
    if campaign is None or not actor.may_see(campaign.brand):
        raise NotFound(f"no campaign {campaign_id!r}")
    texts = [body.announcement, *body.reminders]
    locs = [("body", "announcement"), *(("body", "reminders", i) for i in range(len(texts) - 1))]
    issues: list[Issue] = []
    channels = []
    for text, loc in zip(texts, locs, strict=True):
        found, _, problems = await check_content(
            service.repo, campaign.brand, Content(text, body.channels, {}, None, None)
        )
        channels = found
        for issue in problems:
            if issue.loc[:2] == ("body", "text"):
                issue = replace(issue, loc=loc + issue.loc[2:])
            if all((i.loc, i.type) != (issue.loc, issue.type) for i in issues):
                issues.append(issue)  # an unknown channel is said once, not once a text
    refuse_if(issues)
    times = await service.planner.campaign_plan(campaign, channels, len(texts), service.clock())
    if len(times) < len(texts):
        raise Refused(
            Issue(
                ("body", "reminders"),
                "campaign_full",
                f"the cadence leaves room for {len(times)} post(s) in what is left of the "
                f"campaign {campaign.name!r}, not {len(texts)}",
                ctx={"planned": [t.isoformat() for t in times]},
            )
        )
    made = []
    for text, at in zip(texts, times, strict=True):
        post = PostIn(
            brand=campaign.brand,
            text=text,
            channels=body.channels,
            publish_at=at,
            campaign_id=campaign.id,
            submit=body.submit,
        )
        made.append(await service.create(post, actor))
    return made
