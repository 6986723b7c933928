"""The event contracts: one CloudEvents-shaped envelope and the v1 payload of every topic."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

BRAND_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62})$"
SOURCE_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"

BrandId = Annotated[str, StringConstraints(pattern=BRAND_PATTERN)]
# Follower counts are summed in 64-bit integers (reach): no account comes near 10^12.
MAX_FOLLOWERS = 1_000_000_000_000
SourceName = Annotated[str, StringConstraints(pattern=SOURCE_PATTERN)]
Handle = Annotated[str, StringConstraints(min_length=1, max_length=200)]

# Every output id derives from its input id, so a replayed input yields the same
# output id and downstream consumers drop the duplicate (STYLE: uuid5 chains).
ANIMO_NAMESPACE = uuid.UUID("6f1c1a43-2d5e-4c7a-9a1e-0a4e1d6a5b10")


_NAMESPACE_BYTES = ANIMO_NAMESPACE.bytes


def derive_id(*parts: str) -> str:
    """A stable id from its parts (a UUIDv5 in Animo's namespace): same parts, same id."""
    # uuid.uuid5 by hand: the same value, without building UUID objects on the hot path.
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "\x1f".join(parts).encode()).digest()[:16])  # noqa: S324 - UUIDv5 is SHA-1 by definition
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Topic(StrEnum):
    MENTIONS = "animo.mentions.v1"
    ENGAGEMENT = "animo.engagement.v1"
    MODERATION = "animo.moderation.v1"
    POSTS = "animo.posts.v1"
    CRM = "animo.crm.v1"
    ALERTS = "animo.alerts.v1"
    DEAD_LETTER = "animo.deadletter.v1"
    # Raw JSON from brand-side systems (no envelope): ingest validates it like HTTP input.
    INBOUND_MENTIONS = "animo.inbound.mentions.v1"
    INBOUND_ENGAGEMENT = "animo.inbound.engagement.v1"


class Payload(BaseModel):
    """Base of every event payload: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- animo.mentions.v1 -------------------------------------------------------


class Author(Payload):
    handle: Handle
    name: str | None = Field(default=None, max_length=200)
    followers: int | None = Field(default=None, ge=0, le=MAX_FOLLOWERS)


class MentionReceived(Payload):
    """A mention of a brand was heard on a source and accepted (deduplicated)."""

    mention_id: str
    brand: BrandId
    source: SourceName
    external_id: str = Field(min_length=1, max_length=200)
    author: Author
    text: str = Field(max_length=100_000)
    url: str | None = None
    published_at: datetime
    received_at: datetime
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    query_ids: tuple[str, ...] = Field(
        default=(), description="The brand's listening queries (own or competitor) it matched."
    )
    competitors: tuple[str, ...] = Field(
        default=(),
        description="Competitors whose queries it matched (share of voice); empty: the brand's own.",
    )
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = Field(default=(), description="@handles mentioned in the text.")
    urls: tuple[str, ...] = ()
    duplicate_of: str | None = Field(
        default=None, description="Mention id of the original this near-duplicates (retweet, copy)."
    )


# --- animo.engagement.v1 -----------------------------------------------------


class EngagementKind(StrEnum):
    SIGNED_UP = "signed_up"
    PURCHASE = "purchase"
    LIKE = "like"
    COMMENT = "comment"
    SHARE = "share"
    REVIEW = "review"
    NEWSLETTER_CLICK = "newsletter_click"


class EngagementRecorded(Payload):
    """A brand-side system reported something a member did."""

    engagement_id: str
    brand: BrandId
    kind: EngagementKind
    source: SourceName
    handle: Handle
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    email_verified: bool = False
    occurred_at: datetime
    value: float | None = Field(
        default=None, description="Amount of a purchase, stars of a review…"
    )


# --- animo.moderation.v1 -----------------------------------------------------


class ModerationAction(StrEnum):
    ALLOW = "allow"
    HIDE = "hide"
    REVIEW = "review"
    ESCALATE = "escalate"  # hidden and sent to a human at once (threats, minors)


class Category(StrEnum):
    INSULT = "insult"
    HATE = "hate"
    SEXUAL = "sexual"
    THREAT = "threat"
    SPAM = "spam"
    SELF_HARM = "self_harm"


class Finding(Payload):
    """One reason behind a decision: the rule that fired and the text it matched."""

    category: Category
    severity: int = Field(ge=1, le=3)
    rule: str
    term: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class MentionModerated(Payload):
    """Moderation decided what to do with a mention, and why."""

    decision_id: str
    mention_id: str
    brand: BrandId
    source: SourceName
    author_handle: Handle
    action: ModerationAction
    findings: tuple[Finding, ...] = ()
    published_at: datetime
    decided_at: datetime
    ruleset: str
    policy_version: str | None = Field(default=None, description="The brand policy applied.")
    language: str | None = None
    sentiment: Literal["positive", "neutral", "negative"] | None = None
    sentiment_score: float | None = Field(default=None, ge=-1, le=1)
    complaint_topic: str | None = Field(
        default=None, description="Set when the mention is a complaint (delivery, refund, …)."
    )


class DecisionReviewed(Payload):
    """A person reviewed a moderation decision: the final action, who, and why."""

    review_id: str
    decision_id: str
    mention_id: str
    brand: BrandId
    source: SourceName
    author_handle: Handle
    previous_action: ModerationAction
    action: ModerationAction
    reviewer: str
    reason: str | None = Field(default=None, max_length=2000)
    reviewed_at: datetime


# --- animo.posts.v1 ----------------------------------------------------------


class PostPublished(Payload):
    """A scheduled post was delivered to a channel."""

    post_id: str
    brand: BrandId
    channel_id: str
    channel_kind: str
    published_at: datetime
    external_id: str | None = None
    in_reply_to: str | None = Field(
        default=None, description="Mention id this post answers (response time is measured on it)."
    )


class PostFailed(Payload):
    """Delivering a post to a channel failed; the reason says why."""

    post_id: str
    brand: BrandId
    channel_id: str
    channel_kind: str
    failed_at: datetime
    reason: str
    retryable: bool


class ChannelHealth(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"  # the network refuses or fails for now (429, 5xx): retrying
    EXPIRED = "expired"  # the token was refused (401/403): a person must reconnect it
    DISABLED = "disabled"  # switched off by a person


class ChannelHealthChanged(Payload):
    """A channel's health changed: its token expired, the network refused it, or it recovered."""

    channel_id: str
    brand: BrandId
    channel_kind: str
    previous: ChannelHealth
    health: ChannelHealth
    reason: str | None = Field(default=None, max_length=2000)
    changed_at: datetime


# --- animo.crm.v1 ------------------------------------------------------------


class MemberCreated(Payload):
    """A community member was seen for the first time."""

    member_id: str
    brand: BrandId
    source: SourceName
    handle: Handle
    first_seen: datetime


class Identity(Payload):
    """One of a member's accounts: a handle on a source."""

    source: SourceName
    handle: Handle


class MemberMerged(Payload):
    """Two members were found to be one person: `merged_id` now lives in `member_id`."""

    member_id: str
    merged_id: str
    brand: BrandId
    reason: Literal["link", "email"]
    identities: tuple[Identity, ...] = Field(description="The surviving member's identities.")
    merged_at: datetime


class MemberUnmerged(Payload):
    """A merge was undone: `restored_id` is again a member of its own."""

    member_id: str
    restored_id: str
    brand: BrandId
    identities: tuple[Identity, ...] = Field(description="The restored member's identities.")
    unmerged_at: datetime


class MemberScores(Payload):
    reach: float
    love: float
    sentiment: float
    influence: float


class MemberTierChanged(Payload):
    """A member's tier changed (newcomer, advocate, influencer, detractor at risk...)."""

    member_id: str
    brand: BrandId
    previous: str | None
    tier: str
    scores: MemberScores
    changed_at: datetime


class MemberInfluencerIdentified(Payload):
    """A member crossed the brand's influencer threshold."""

    member_id: str
    brand: BrandId
    scores: MemberScores
    identified_at: datetime


class MemberBecameDetractor(Payload):
    """A member's sentiment towards the brand crossed the detractor threshold."""

    member_id: str
    brand: BrandId
    scores: MemberScores
    changed_at: datetime


class MemberErased(Payload):
    """A member asked to be forgotten: every service purges what it keeps of these identities
    (mention texts, handles, names), keeping only anonymous counts."""

    member_id: str
    brand: BrandId
    identities: tuple[Identity, ...]
    erased_at: datetime


class RewardKind(StrEnum):
    VOUCHER = "voucher"
    DISCOUNT = "discount"
    GIFT = "gift"


class RewardGranted(Payload):
    """A reward was granted to a member; brand-side systems deliver it."""

    grant_id: str
    member_id: str
    brand: BrandId
    reward_id: str
    kind: RewardKind
    title: str = Field(max_length=200)
    code: str | None = Field(default=None, description="The voucher code drawn for this grant.")
    points_spent: int = Field(ge=0)
    reason: Literal["redemption", "goodwill", "top_advocate", "manual"]
    granted_at: datetime


# --- animo.alerts.v1 ---------------------------------------------------------


class AlertRaised(Payload):
    """A brand's metric left its baseline: the early warning of a crisis."""

    alert_id: str
    brand: BrandId
    kind: str
    observed: float
    baseline: float
    started_at: datetime
    message: str


class ComplaintDetected(Payload):
    """A mention is a customer complaint: the brand should answer it fast (it stays visible)."""

    alert_id: str
    mention_id: str
    brand: BrandId
    source: SourceName
    author_handle: Handle
    topic: str
    excerpt: str = Field(max_length=500)
    published_at: datetime
    detected_at: datetime


class AlertResolved(Payload):
    """A raised alert's metric returned to its baseline."""

    alert_id: str
    brand: BrandId
    kind: str
    resolved_at: datetime


# --- the catalogue -----------------------------------------------------------

EVENT_TYPES: dict[Topic, dict[str, type[Payload]]] = {
    Topic.MENTIONS: {"mention.received": MentionReceived},
    Topic.ENGAGEMENT: {"engagement.recorded": EngagementRecorded},
    Topic.MODERATION: {
        "mention.moderated": MentionModerated,
        "decision.reviewed": DecisionReviewed,
    },
    Topic.POSTS: {
        "post.published": PostPublished,
        "post.failed": PostFailed,
        "channel.health_changed": ChannelHealthChanged,
    },
    Topic.CRM: {
        "member.created": MemberCreated,
        "member.merged": MemberMerged,
        "member.unmerged": MemberUnmerged,
        "member.tier_changed": MemberTierChanged,
        "member.influencer_identified": MemberInfluencerIdentified,
        "member.became_detractor": MemberBecameDetractor,
        "member.erased": MemberErased,
        "reward.granted": RewardGranted,
    },
    Topic.ALERTS: {
        "alert.raised": AlertRaised,
        "alert.resolved": AlertResolved,
        "complaint.detected": ComplaintDetected,
    },
}

TOPIC_OF_TYPE: dict[str, Topic] = {
    event_type: topic for topic, types in EVENT_TYPES.items() for event_type in types
}
TYPE_OF_PAYLOAD: dict[type[Payload], str] = {
    model: event_type for types in EVENT_TYPES.values() for event_type, model in types.items()
}

P = TypeVar("P", bound=Payload)


class Envelope(BaseModel, Generic[P]):
    """CloudEvents 1.0 structured envelope plus Animo's tenant and schema version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=100)
    type: str
    source: str
    time: datetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    brand: BrandId
    schemaversion: Literal[1] = 1
    correlationid: str | None = Field(default=None, max_length=100)
    data: P


class EventDecodeError(ValueError):
    """An event does not fit its topic's contract; the message is the dead-letter reason."""


def make_event(
    payload: P,
    *,
    event_id: str,
    source: str,
    brand: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    time: datetime | None = None,
) -> Envelope[P]:
    """Wrap a payload in its envelope; the type comes from the payload's class."""
    model: type[Envelope[P]] = Envelope[type(payload)]  # type: ignore[misc, assignment]
    return model(
        id=event_id,
        type=TYPE_OF_PAYLOAD[type(payload)],
        source=source,
        time=time or utcnow(),
        subject=subject,
        brand=brand,
        correlationid=correlation_id,
        data=payload,
    )


class _RawEnvelope(Envelope[Any]):
    """The envelope as read off the wire: version fields required, data not yet typed."""

    specversion: Literal["1.0"]
    schemaversion: Literal[1]
    data: dict[str, Any]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


# A topic that carries one event type is parsed in one pass, straight into its envelope (a
# third of the cost); anything that does not pass takes the full path below, which says why.
_SINGLE_TYPE: dict[str, tuple[str, type[Envelope[Any]]]] = {
    topic.value: (event_type, Envelope[model])  # type: ignore[valid-type]
    for topic, types in EVENT_TYPES.items()
    if len(types) == 1
    for event_type, model in types.items()
}
_ON_THE_WIRE = frozenset({"specversion", "schemaversion"})


def decode_event(topic: str, value: bytes | None) -> Envelope[Any]:
    """Parse and validate one message of a topic, or raise EventDecodeError with the reason."""
    if value is None:
        raise EventDecodeError("empty message (tombstone) on an event topic")
    single = _SINGLE_TYPE.get(topic)
    if single is not None:
        event_type, envelope = single
        try:
            event = envelope.model_validate_json(value)
        except ValidationError:
            pass
        else:
            if event.type == event_type and event.model_fields_set >= _ON_THE_WIRE:
                return event
    try:
        raw = _RawEnvelope.model_validate_json(value)
    except ValidationError as error:
        raise EventDecodeError(f"envelope invalid: {_describe(error)}") from None
    try:
        models = EVENT_TYPES[Topic(topic)]
    except ValueError:
        raise EventDecodeError(f"unknown topic {topic!r}") from None
    model = models.get(raw.type)
    if model is None:
        raise EventDecodeError(f"event type {raw.type!r} does not belong on {topic}")
    try:
        data = model.model_validate(raw.data)
    except ValidationError as error:
        raise EventDecodeError(f"{raw.type} data invalid: {_describe(error)}") from None
    fields = raw.model_dump(exclude={"data"})
    return Envelope[model](**fields, data=data)  # type: ignore[valid-type]


def event_json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every event type's envelope, keyed by event type."""
    return {
        event_type: Envelope[model].model_json_schema()  # type: ignore[valid-type]
        for types in EVENT_TYPES.values()
        for event_type, model in types.items()
    }
