from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auth.scopes import expand


@dataclass(frozen=True)
class Principal:
    """Who a verified token speaks for: `app`, `user` (staff) or `customer`, in one brand."""

    kind: str
    subject_id: int
    brand_slug: str
    scopes: frozenset[str]
    jti: str
    expires_at: datetime
    generation: int = 0  # an app token's `gen` claim: its app's token generation at issue

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.subject_id}"

    @property
    def effective_scopes(self) -> frozenset[str]:
        return expand(self.scopes)

    def has(self, scope: str) -> bool:
        return scope in self.effective_scopes
