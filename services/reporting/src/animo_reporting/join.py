"""One mention's join state: its two halves and its reply, and how it is stored compactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .documents import MentionState

_SEP, _LIST = "\x1f", "\x1e"  # unit and record separators: never in names we keep


def _clean(text: str) -> str:
    return text.replace(_SEP, " ").replace(_LIST, " ")


def _when(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(slots=True)
class Join:
    """One mention's two halves (and its reply), as the fold works on them."""

    id: str
    brand: str
    published_at: datetime | None = None
    has_mention: bool = False
    source: str | None = None
    lang: str | None = None
    competitors: tuple[str, ...] = ()
    has_decision: bool = False
    sentiment: str | None = None
    action: str | None = None
    complaint_topic: str | None = None
    counted: bool = False
    replied_at: datetime | None = None
    responded: bool = False

    @classmethod
    def of(cls, state: MentionState) -> Join:
        (
            published,
            has_mention,
            source,
            lang,
            competitors,
            has_decision,
            sentiment,
            action,
            topic,
            counted,
            replied,
            responded,
        ) = state.join.split(_SEP)
        return cls(
            state.id,
            state.brand,
            _when(published),
            has_mention == "1",
            source or None,
            lang or None,
            tuple(competitors.split(_LIST)) if competitors else (),
            has_decision == "1",
            sentiment or None,
            action or None,
            topic or None,
            counted == "1",
            _when(replied),
            responded == "1",
        )

    def encode(self) -> str:
        """The fields in order, `\\x1f`-separated (competitors `\\x1e`-separated)."""
        return _SEP.join(
            (
                self.published_at.isoformat() if self.published_at else "",
                "1" if self.has_mention else "",
                self.source or "",
                self.lang or "",
                _LIST.join(_clean(name) for name in self.competitors),
                "1" if self.has_decision else "",
                self.sentiment or "",
                self.action or "",
                _clean(self.complaint_topic or ""),
                "1" if self.counted else "",
                self.replied_at.isoformat() if self.replied_at else "",
                "1" if self.responded else "",
            )
        )

    def needed(self) -> bool:
        """Whether a later event can still change a count through this join.

        Kept: a half waiting for the other; a complaint waiting for its reply; a decision
        other than allow (a reviewer may overturn it). Dropped: a joined, allowed, answered
        or non-complaint mention, which no later event moves."""
        if not (self.has_mention and self.has_decision):
            return True
        if self.complaint_topic and not self.competitors and not self.responded:
            return True
        return self.action != "allow"

    def state(self, now: datetime) -> MentionState:
        return MentionState.model_construct(
            id=self.id, brand=self.brand, seen_at=now, join=self.encode()
        )
