"""Checking answers against a survey's questions; every problem names its question."""

from __future__ import annotations

from typing import Any

from services.common.errors import DomainError, ErrorCode, ErrorCollector

MAX_TEXT = 2000
RANGES = {"NPS": (0, 10), "RATING": (1, 5)}


def _check(question: dict[str, Any], answer: dict[str, Any], errors: ErrorCollector) -> Any:
    key, kind = question["id"], question["kind"]
    where = f"answers.{key}"
    label = f"question {key} ('{question['text'][:40]}')"
    if kind in RANGES:
        low, high = RANGES[kind]
        score = answer.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or not low <= score <= high:
            errors.add(
                where, ErrorCode.INVALID_ANSWER, f"{label} needs an integer from {low} to {high}"
            )
            return None
        return score
    if kind in ("SINGLE_CHOICE", "MULTI_CHOICE"):
        chosen = list(answer.get("choices") or [])
        unknown = [c for c in chosen if c not in question["choices"]]
        if unknown:
            errors.add(where, ErrorCode.INVALID_ANSWER, f"{label}: no such choice {unknown[0]!r}")
        elif not chosen or (kind == "SINGLE_CHOICE" and len(chosen) != 1):
            how = "exactly one" if kind == "SINGLE_CHOICE" else "one or more"
            errors.add(where, ErrorCode.INVALID_ANSWER, f"{label}: choose {how}")
        elif len(set(chosen)) != len(chosen):
            errors.add(where, ErrorCode.INVALID_ANSWER, f"{label}: a choice is given twice")
        else:
            return chosen
        return None
    text = (answer.get("text") or "").strip()
    if not text:
        errors.add(where, ErrorCode.INVALID_ANSWER, f"{label} needs a text")
    elif len(text) > MAX_TEXT:
        errors.add(where, ErrorCode.INVALID_ANSWER, f"{label}: at most {MAX_TEXT} characters")
    return text


def _is_blank(answer: dict[str, Any]) -> bool:
    return answer.get("score") is None and not answer.get("choices") and not answer.get("text")


def validate_answers(
    questions: list[dict[str, Any]], answers: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], int | None]:
    """Cleaned answers by question id, and the NPS score (None when skipped)."""
    errors = ErrorCollector()
    known = {q["id"] for q in questions}
    for key in answers:
        if key not in known:
            errors.add(f"answers.{key}", ErrorCode.INVALID_ANSWER, f"no question {key!r}")
    cleaned: dict[str, Any] = {}
    nps: int | None = None
    for question in questions:
        answer = answers.get(question["id"])
        if answer is None or _is_blank(answer):
            if question["required"]:
                errors.add(
                    f"answers.{question['id']}",
                    ErrorCode.INVALID_ANSWER,
                    f"question {question['id']} ('{question['text'][:40]}') is required",
                )
            continue
        value = _check(question, answer, errors)
        if value is not None:
            cleaned[question["id"]] = value
            if question["kind"] == "NPS":
                nps = int(value)
    if errors.errors:
        raise DomainError(errors.errors)
    return cleaned, nps
