"""The publisher's posts: what is stored (variants, moderation, deliveries, audit) and the API shapes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from animo_shared.events import BrandId
from animo_shared.store import Document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PostStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for (or retrying) the moderation check
    BLOCKED = "blocked"  # moderation said hide or escalate: edit it, the evidence says why
    AWAITING_APPROVAL = "awaiting_approval"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"  # approved, waiting for its time
    PUBLISHING = "publishing"  # claimed by a publisher, requests in flight
    RETRYING = "retrying"  # some channel failed in a retryable way and waits for its back-off
    PUBLISHED = "published"
    PARTLY_FAILED = "partly_failed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"  # a delivery's outcome is unknown: a human decides
    CANCELLED = "cancelled"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # written before the request: the delivery log's promise
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    UNKNOWN = "unknown"  # interrupted while sending on a network that cannot be resent blindly
    CANCELLED = "cancelled"


class Problem(BaseModel):
    code: str
    message: str
    severity: Literal["error", "warning"]


class StoredVariant(BaseModel):
    """What one channel gets: the adapted parts (a thread when more than one)."""

    channel_id: str
    kind: str
    parts: list[str]
    weighted_lengths: list[int]
    problems: list[Problem]
    override: bool = False


class Category(BaseModel):
    """One category moderation found, with its evidence, as moderation reported it."""

    model_config = ConfigDict(extra="allow")

    name: str
    severity: int | None = None
    score: float | None = None
    evidence: Any = None


class ModerationCheck(BaseModel):
    state: Literal["pending", "passed", "review", "blocked", "unreachable"] = "pending"
    action: str | None = None
    categories: list[Category] = Field(default_factory=list)
    checked_at: datetime | None = None
    error: str | None = None
    attempts: int = 0


class Attempt(BaseModel):
    at: datetime
    outcome: Literal["sent", "retrying", "failed", "unknown", "resolved"]
    status: int | None = None
    error: str | None = None
    retry_after_seconds: float | None = None


class ChannelDelivery(BaseModel):
    """The delivery log of one (post, channel): written `sending` before any request."""

    channel_id: str
    kind: str
    state: DeliveryState = DeliveryState.PENDING
    idempotency_key: str
    attempts: int = 0
    next_attempt_at: datetime | None = None
    transient: bool = False  # failed after exhausting retries of a temporary error
    sending_at: datetime | None = None
    done_at: datetime | None = None
    external_ids: list[str] = Field(default_factory=list)
    error: str | None = None
    status_code: int | None = None
    body_excerpt: str | None = None
    history: list[Attempt] = Field(default_factory=list)


class Engagement(BaseModel):
    """What a published post earned on one channel, as reported by the brand or a connector."""

    model_config = ConfigDict(extra="forbid")

    likes: int = Field(default=0, ge=0)
    comments: int = Field(default=0, ge=0)
    shares: int = Field(default=0, ge=0)
    clicks: int = Field(default=0, ge=0)

    def score(self) -> int:
        return self.likes + 2 * self.comments + 3 * self.shares + self.clicks


class Post(Document):
    brand: str
    text: str
    channels: list[str]
    overrides: dict[str, str] = Field(default_factory=dict)
    variants: list[StoredVariant] = Field(default_factory=list)
    in_reply_to: str | None = None
    reply_to_mention: str | None = None
    reply_to_author: str | None = None  # personal data: purged on `member.erased`
    image_url: str | None = None
    publish_at: datetime | None = None  # asked for; None: the first slot the cadence allows
    queue_id: str | None = None
    campaign_id: str | None = None
    embargo_until: datetime | None = None
    scheduled_for: datetime | None = None
    dispatch_at: datetime | None = None  # when the dispatcher looks next; None: not waiting
    status: PostStatus
    version: int = 0
    moderation: ModerationCheck = Field(default_factory=ModerationCheck)
    approved_by: str | None = None
    approved_at: datetime | None = None
    rejection: str | None = None
    deliveries: list[ChannelDelivery] = Field(default_factory=list)
    engagement: dict[str, Engagement] = Field(default_factory=dict)
    created_by: str
    created_at: datetime
    updated_at: datetime
    claimed_at: datetime | None = None


class PostIn(_Strict):
    brand: BrandId
    text: str = Field(min_length=1, max_length=63_206)
    channels: list[str] = Field(min_length=1, max_length=20, description="Channel ids.")
    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="Hand-written text per channel id, used as is (a `---` line splits a thread).",
    )
    publish_at: datetime | None = Field(
        default=None,
        description="When to publish; without an offset it is read in the brand's time zone. "
        "Unset: the queue's next slot, else the first time the cadence allows.",
    )
    queue_id: str | None = None
    campaign_id: str | None = None
    embargo_until: datetime | None = Field(
        default=None, description="Nothing leaves before this, whatever happens."
    )
    in_reply_to: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The external id, on the channel's network, of the mention to answer.",
    )
    reply_to_mention: str | None = Field(
        default=None, max_length=100, description="Animo's mention id answered (for reporting)."
    )
    reply_to_author: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The handle of the person answered: if they ask to be forgotten "
        "(`member.erased`), their name is taken out of this post.",
    )
    image_url: AnyHttpUrl | None = Field(default=None, description="Needed by Instagram.")
    submit: bool = Field(default=False, description="Submit at once for moderation and approval.")


class PostEdit(_Strict):
    """Fields to change; an approved post goes back to submitted."""

    text: str | None = Field(default=None, min_length=1, max_length=63_206)
    channels: list[str] | None = Field(default=None, min_length=1, max_length=20)
    overrides: dict[str, str] | None = None
    publish_at: datetime | None = None
    queue_id: str | None = None
    campaign_id: str | None = None
    embargo_until: datetime | None = None
    in_reply_to: str | None = Field(default=None, min_length=1, max_length=200)
    image_url: AnyHttpUrl | None = None


class Rejection(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


class Resolution(_Strict):
    """A human's word on a delivery whose outcome is unknown."""

    outcome: Literal["published", "failed", "retry"]
    external_id: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class EngagementIn(Engagement):
    channel_id: str


class PostPage(BaseModel):
    items: list[Post]
    total: int


class AuditEntry(Document):
    post_id: str
    brand: str
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditPage(BaseModel):
    items: list[AuditEntry]


class Slot(Document):
    """A time taken on a channel by a scheduled post: what cadence rules count."""

    brand: str
    channel_id: str
    post_id: str
    queue_id: str | None = None
    at: datetime
