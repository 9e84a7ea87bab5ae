"""What one result may hold on the wire, checked the same way by the client (before queueing) and the server.

A result names the exercise, whether it passed, the French hints the check gave, its duration and the
framework: never the learner's code, output, data or seed. Every string is length-capped.
"""

from __future__ import annotations

import re

MAX_BODY = 16 * 1024             # bytes of one request body; more is refused with 413
MAX_BATCH = 25                   # results in one request
MAX_HINTS = 8
LIMITS = {"id": 64, "exercise": 64, "title": 160, "numero": 16, "framework": 32, "hint": 300, "at": 40, "name": 40}
FIELDS = {"id", "exercise", "title", "numero", "chapter", "framework", "passed", "seconds", "hints", "at"}
_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SchemaError(ValueError):
    """A payload that is not a result (unknown field, wrong type, string too long)."""


def clean_text(text: str, limit: int) -> str:
    """``text`` without control characters, cut to ``limit`` characters (client side: never refused for length)."""
    text = _CONTROL.sub(" ", str(text)).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def from_check(result: dict, result_id: str, at: str) -> dict:
    """The wire record of one ``Result.to_dict()``: the hints of the failed checks and of a problem, nothing else."""
    hints = [c.get("hint") for c in result.get("checks") or [] if not c.get("passed") and c.get("hint")]
    if result.get("problem_hint"):
        hints.append(result["problem_hint"])
    unique = list(dict.fromkeys(clean_text(h, LIMITS["hint"]) for h in hints if isinstance(h, str)))[:MAX_HINTS]
    chapter = result.get("chapter")
    return {"id": result_id, "exercise": clean_text(result.get("exercise") or "?", LIMITS["exercise"]),
            "title": clean_text(result.get("title") or "", LIMITS["title"]),
            "numero": clean_text(result["numero"], LIMITS["numero"]) if result.get("numero") else None,
            "chapter": chapter if isinstance(chapter, int) and not isinstance(chapter, bool) else None,
            "framework": clean_text(result["framework"], LIMITS["framework"]) if result.get("framework") else None,
            "passed": bool(result.get("passed")), "seconds": _seconds(result.get("seconds")), "hints": unique,
            "at": at}


def _seconds(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return round(min(max(number, 0.0), 1e6), 3) if number == number else 0.0


def _text(record: dict, key: str, *, optional: bool = False) -> str | None:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise SchemaError(f"field '{key}' must be a string")
    if len(value) > LIMITS[key]:
        raise SchemaError(f"field '{key}' is longer than {LIMITS[key]} characters")
    return value


def validate(record) -> dict:
    """Return ``record`` checked (only known fields, types, caps); raise :class:`SchemaError` otherwise."""
    if not isinstance(record, dict):
        raise SchemaError("a result must be a JSON object")
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise SchemaError(f"unknown field '{unknown[0]}' (allowed: {', '.join(sorted(FIELDS))})")
    missing = sorted({"id", "exercise", "passed"} - set(record))
    if missing:
        raise SchemaError(f"missing field '{missing[0]}'")
    rid = _text(record, "id")
    if not _ID.fullmatch(rid):
        raise SchemaError("field 'id' must be 8 to 64 letters, digits, '-' or '_'")
    if not isinstance(record["passed"], bool):
        raise SchemaError("field 'passed' must be true or false")
    chapter = record.get("chapter")
    if chapter is not None and (not isinstance(chapter, int) or isinstance(chapter, bool) or not 0 <= chapter < 1000):
        raise SchemaError("field 'chapter' must be an integer from 0 to 999 or null")
    seconds = record.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 1e6:
        raise SchemaError("field 'seconds' must be a number from 0 to 1000000")
    hints = record.get("hints", [])
    if not isinstance(hints, list) or len(hints) > MAX_HINTS:
        raise SchemaError(f"field 'hints' must be a list of at most {MAX_HINTS} strings")
    for hint in hints:
        if not isinstance(hint, str) or len(hint) > LIMITS["hint"]:
            raise SchemaError(f"each hint must be a string of at most {LIMITS['hint']} characters")
    return {"id": rid, "exercise": _text(record, "exercise"), "title": _text(record, "title", optional=True) or "",
            "numero": _text(record, "numero", optional=True), "chapter": chapter,
            "framework": _text(record, "framework", optional=True), "passed": record["passed"],
            "seconds": float(seconds), "hints": list(hints), "at": _text(record, "at", optional=True) or ""}


def validate_name(name) -> str:
    """A learner's display name: 1 to 40 printable characters."""
    if not isinstance(name, str):
        raise SchemaError("field 'name' must be a string")
    cleaned = _CONTROL.sub("", name).strip()
    if not cleaned or len(cleaned) > LIMITS["name"]:
        raise SchemaError(f"field 'name' must hold 1 to {LIMITS['name']} characters")
    return cleaned
