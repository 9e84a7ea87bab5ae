"""The training room's SQLite file: the session (join code, trainer token), the learners, their results.

Learner tokens are stored as SHA-256 digests only; a result is stored once per (learner, result id),
so a result sent again after a lost answer or a server restart is counted once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"      # no 0/O, 1/I/L: read aloud or from a projector

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS learners (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    joined_at REAL NOT NULL, left_at REAL);
CREATE TABLE IF NOT EXISTS results (
    learner_id INTEGER NOT NULL REFERENCES learners(id), result_id TEXT NOT NULL,
    exercise TEXT NOT NULL, title TEXT NOT NULL, numero TEXT, chapter INTEGER, framework TEXT,
    passed INTEGER NOT NULL, seconds REAL NOT NULL, hints TEXT NOT NULL, at TEXT NOT NULL,
    received_at REAL NOT NULL, PRIMARY KEY (learner_id, result_id));
"""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_code() -> str:
    """A random join code such as ``K7P-Q2MX`` (about 34 bits)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
    return f"{chars[:3]}-{chars[3:]}"


def normalise_code(code: str) -> str:
    letters = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return f"{letters[:3]}-{letters[3:]}" if len(letters) == 7 else letters


class Store:
    """One SQLite file, used from the server's threads through one connection and a lock."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        try:
            self.path.chmod(0o600)
        except OSError:
            pass

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- the session ------------------------------------------------------------------------
    def session(self) -> tuple[str, str, bool]:
        """``(join code, trainer token, resumed)``: the file's session, created on first use."""
        with self._lock:
            rows = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if "code" in rows and "trainer_token" in rows:
                return rows["code"], rows["trainer_token"], True
            code, token = new_code(), secrets.token_urlsafe(24)
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [("code", code), ("trainer_token", token), ("created_at", str(time.time()))])
            return code, token, False

    def code_matches(self, code: str) -> bool:
        expected = self.session()[0]
        return hmac.compare_digest(normalise_code(code).encode(), expected.encode())

    def trainer_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(digest(token), digest(self.session()[1]))

    # -- learners ---------------------------------------------------------------------------
    def add_learner(self, name: str) -> tuple[int, str, str]:
        """Register ``name``; return ``(id, token, shown name)`` (a name already taken gets a number)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            taken = {row[0] for row in self._db.execute("SELECT name FROM learners")}
            shown, n = name, 2
            while shown in taken:
                shown, n = f"{name} ({n})", n + 1
            cur = self._db.execute("INSERT INTO learners (name, token_hash, joined_at) VALUES (?, ?, ?)",
                                   (shown, digest(token), time.time()))
            return int(cur.lastrowid), token, shown

    def learner(self, token: str | None) -> tuple[int, str] | None:
        """``(id, name)`` of the learner holding ``token`` (looked up by its digest), or ``None``."""
        if not token or len(token) > 200:
            return None
        wanted = digest(token)
        with self._lock:
            row = self._db.execute("SELECT id, name, token_hash FROM learners WHERE token_hash = ? AND left_at IS NULL",
                                   (wanted,)).fetchone()
        if row is None or not hmac.compare_digest(row[2], wanted):
            return None
        return int(row[0]), row[1]

    def leave(self, learner_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE learners SET left_at = ? WHERE id = ?", (time.time(), learner_id))

    def count(self, learner_id: int) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM results WHERE learner_id = ?", (learner_id,)).fetchone()[0]

    # -- results ----------------------------------------------------------------------------
    def add_results(self, learner_id: int, records: list[dict]) -> tuple[list[str], list[str]]:
        """Store validated records; return ``(stored ids, ids already stored)``."""
        stored, duplicates = [], []
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for r in records:
                    cur = self._db.execute(
                        "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (learner_id, r["id"], r["exercise"], r["title"], r["numero"], r["chapter"], r["framework"],
                         int(r["passed"]), r["seconds"], json.dumps(r["hints"], ensure_ascii=False), r["at"], now))
                    (stored if cur.rowcount == 1 else duplicates).append(r["id"])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return stored, duplicates

    def rows(self) -> list[dict]:
        """Every result with its learner's name, oldest first (the CSV export)."""
        with self._lock:
            cur = self._db.execute(
                "SELECT l.name, r.exercise, r.numero, r.title, r.passed, r.seconds, r.framework, r.hints, r.at, "
                "r.received_at, r.result_id, l.id FROM results r JOIN learners l ON l.id = r.learner_id "
                "ORDER BY r.received_at, l.id, r.at")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def state(self, top_hints: int = 3) -> dict:
        """The dashboard's data: learners, exercises, one cell per (learner, exercise), frequent hints."""
        with self._lock:
            learners = self._db.execute("SELECT id, name, left_at FROM learners ORDER BY id").fetchall()
            results = self._db.execute("SELECT learner_id, exercise, numero, title, chapter, passed, hints "
                                       "FROM results ORDER BY received_at").fetchall()
        exercises: dict[str, dict] = {}
        cells: dict[str, dict] = {}
        hint_learners: dict[str, Counter] = {}
        seen: set[tuple[str, int, str]] = set()
        for learner_id, exercise, numero, title, chapter, passed, hints in results:
            exercises.setdefault(exercise, {"exercise": exercise, "numero": numero, "title": title,
                                            "chapter": chapter})
            cell = cells.setdefault(str(learner_id), {}).setdefault(exercise, {"state": "failed", "attempts": 0})
            cell["attempts"] += 1
            if passed:
                cell["state"] = "passed"
            for hint in json.loads(hints):
                if (exercise, learner_id, hint) not in seen:          # how many learners saw it, not how often
                    seen.add((exercise, learner_id, hint))
                    hint_learners.setdefault(exercise, Counter())[hint] += 1
        order = sorted(exercises.values(), key=lambda e: (e["chapter"] is None, e["chapter"] or 0,
                                                          _numero_key(e["numero"]), e["exercise"]))
        return {"learners": [{"id": i, "name": n, "left": left is not None} for i, n, left in learners],
                "exercises": order, "cells": cells, "total": len(results),
                "hints": {ex: [[h, c] for h, c in counter.most_common(top_hints)]
                          for ex, counter in hint_learners.items()}}


def _numero_key(numero: str | None) -> tuple:
    try:
        return tuple(int(part) for part in (numero or "").split("."))
    except ValueError:
        return (999,)
