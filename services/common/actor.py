from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is acting, for the audit log: a partner app, a staff user, a customer or the system."""

    brand_id: int
    kind: str
    subject: str
    request_id: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.subject}"

    @classmethod
    def system(cls, brand_id: int, request_id: str = "cli") -> Actor:
        return cls(brand_id=brand_id, kind="system", subject="cli", request_id=request_id)
