"""What the crm's lifespan builds and its routes use, in one typed place."""

from __future__ import annotations

from dataclasses import dataclass, field

from .directory import MemberDirectory
from .erasure import ErasureParticipant
from .gdpr import Gdpr
from .members import MemberAdmin
from .repository import CrmRepository
from .service import CrmService


@dataclass
class Components:
    repository: CrmRepository
    directory: MemberDirectory
    service: CrmService
    admin: MemberAdmin
    gdpr: Gdpr
    participants: list[ErasureParticipant] = field(default_factory=list)
