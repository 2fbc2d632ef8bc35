"""Possible duplicates of a customer, for staff to merge: a similar name plus a phone or email
that looks like the same person's.

Names are compared normalised (Unicode NFKC, case, spaces and punctuation ignored, either
word order) with a fuzzy ratio; phones by their last 8 digits (the same number typed with or
without a country or trunk prefix); emails by their canonical form (case, `+tags`, and dots
for Gmail) or by their local part at another domain. Phone and email cannot be equal (they are
unique in a brand), so these fuzzy forms are what finds the same person twice.

Candidates are read with one statement (a name sharing a word, or two characters of a CJK
name, or, for a brand without encryption at rest, the same phone tail or email local part), at
most MAX_CANDIDATES of them; the scoring runs on those. For a brand that encrypts phone and
email the statement cannot look inside them: candidates come from the name alone, and their
contacts are compared once decrypted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from tortoise.expressions import Q

from models import Customer

MAX_CANDIDATES = 200
MAX_RESULTS = 50
MIN_NAME_SCORE = 0.6
MAX_TOKENS = 6
PHONE_TAIL = 8
GMAIL = ("gmail.com", "googlemail.com")
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class PossibleDuplicate:
    customer: Customer
    score: float  # 0..1: the name's similarity, raised by each matching contact
    reasons: tuple[str, ...]  # NAME plus PHONE, EMAIL, EMAIL_LOCAL_PART


def normal_name(name: str) -> str:
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def name_score(a: str, b: str) -> float:
    left, right = normal_name(a), normal_name(b)
    if not left or not right:
        return 0.0
    straight = SequenceMatcher(None, left.replace(" ", ""), right.replace(" ", "")).ratio()
    swapped = " ".join(reversed(right.split()))
    turned = SequenceMatcher(None, left.replace(" ", ""), swapped.replace(" ", "")).ratio()
    return max(straight, turned)


def canonical_email(email: str) -> str:
    local, _, domain = email.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), GMAIL[0]
    return f"{local}@{domain}"


def phone_tail(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-PHONE_TAIL:] if len(digits) >= PHONE_TAIL else ""


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def name_tokens(name: str) -> list[str]:
    """Words of two characters or more; a CJK name (no spaces) by its pairs of characters."""
    tokens: list[str] = []
    for word in normal_name(name).split():
        if _is_cjk(word) and len(word) > 2:
            tokens += [word[i : i + 2] for i in range(len(word) - 1)]
        elif len(word) >= 2:
            tokens.append(word)
    return list(dict.fromkeys(tokens))[:MAX_TOKENS]


def _contact_reasons(a: Customer, b: Customer) -> list[str]:
    reasons = []
    if a.phone and b.phone and phone_tail(a.phone) and phone_tail(a.phone) == phone_tail(b.phone):
        reasons.append("PHONE")
    if a.email and b.email:
        if canonical_email(a.email) == canonical_email(b.email):
            reasons.append("EMAIL")
        elif (
            canonical_email(a.email).partition("@")[0] == canonical_email(b.email).partition("@")[0]
        ):
            reasons.append("EMAIL_LOCAL_PART")
    return reasons


async def possible_duplicates(
    customer: Customer, sealed: bool, limit: int = 10
) -> list[PossibleDuplicate]:
    """The most likely duplicates first (at most `limit`, up to MAX_RESULTS)."""
    match = Q()
    for token in name_tokens(customer.name):
        match |= Q(name__icontains=token)
    if not sealed:  # plaintext columns: the contacts can pull candidates in too
        tail = phone_tail(customer.phone or "")
        if tail:
            match |= Q(phone__endswith=tail)
        if customer.email:
            local = canonical_email(customer.email).partition("@")[0]
            match |= Q(email__istartswith=local)
    if not match.children and not match.filters:
        return []
    candidates = (
        await Customer.filter(match, brand_id=customer.brand_id)
        .exclude(id=customer.id)
        .order_by("-id")
        .limit(MAX_CANDIDATES)
    )
    found = []
    for other in candidates:
        score = name_score(customer.name, other.name)
        reasons = _contact_reasons(customer, other)
        if score >= MIN_NAME_SCORE and reasons:
            boosted = min(1.0, score + 0.1 * len(reasons))
            found.append(PossibleDuplicate(other, round(boosted, 3), ("NAME", *reasons)))
    found.sort(key=lambda d: (-d.score, d.customer.id))
    return found[: min(limit, MAX_RESULTS)]
