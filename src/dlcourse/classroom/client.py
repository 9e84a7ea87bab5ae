"""The learner's side: the membership written by ``dlcourse classroom join`` and the on-disk queue of results.

Each result is written to the queue first (one JSON file, named by time and a random id), then the
queue is sent in batches; a file is deleted only once the server has answered that it holds the
result (stored now or before). The server keeps one result per (learner, id), so a result sent twice
(an answer lost, a server restarted) counts once. Standard library only: checks work without the
``classroom`` extra.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from dlcourse.classroom.schema import MAX_BATCH, MAX_BODY, from_check
from dlcourse.errors import UserError

REPORT_BUDGET = 2.0          # seconds report_result may spend sending
DEFAULT_SERVER = "http://127.0.0.1:8765"


class ClassroomError(UserError):
    """The training room cannot be joined, reached or left as asked."""


def default_folder() -> Path:
    """``$DLCOURSE_CLASSROOM_DIR``, else ``classroom`` in the user's data folder (platformdirs)."""
    if os.environ.get("DLCOURSE_CLASSROOM_DIR"):
        return Path(os.environ["DLCOURSE_CLASSROOM_DIR"])
    import platformdirs

    return Path(platformdirs.user_data_dir("dlcourse")) / "classroom"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


class Outcome:
    """What one flush did: results the server now holds, results still queued, and why (French) if any."""

    def __init__(self):
        self.sent = 0
        self.left = 0
        self.problem: str | None = None


class Client:
    """One learner's membership and queue, in ``folder`` (default: :func:`default_folder`)."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()
        self.queue = self.folder / "queue"
        self.membership_file = self.folder / "membership.json"

    # -- membership ---------------------------------------------------------------------------
    def membership(self) -> dict | None:
        try:
            data = json.loads(self.membership_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and {"server", "token", "name"} <= set(data) else None

    def join(self, server: str, code: str, name: str, timeout: float = 5.0) -> dict:
        """Join the room at ``server`` with ``code``; store and return the membership."""
        server = normalise_server(server)
        status, answer = _request("POST", f"{server}/api/join", {"code": code, "name": name}, None, timeout)
        if status == 0:
            raise ClassroomError(f"cannot reach the training room server at {server} ({answer.get('error')}).",
                                 "Check the address shown on the trainer's screen and give it with "
                                 "--server http://ADDRESS:PORT (same network, server started).")
        if status == 403:
            raise ClassroomError(f"the join code '{code}' is not the one of the training room at {server}.",
                                 "Type the code shown on the trainer's screen, e.g. "
                                 "'dlcourse classroom join K7P-Q2MX --name NAME'.")
        if status == 422:
            raise ClassroomError(f"the server refused the name '{name}': {answer.get('error')}.",
                                 "Give a name of 1 to 40 characters with --name.")
        if status == 429:
            raise ClassroomError("the training room server refused too many join attempts from this address.",
                                 "Wait a minute, then run the same command again.")
        if status != 200 or not isinstance(answer.get("token"), str):
            raise ClassroomError(f"the server at {server} did not answer as a training room (HTTP {status}).",
                                 "Check the address: it is the one 'dlcourse classroom serve' prints.")
        membership = {"server": server, "token": answer["token"], "name": answer.get("name", name),
                      "learner": answer.get("learner"), "joined_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        _write_private(self.membership_file, json.dumps(membership, ensure_ascii=False, indent=2))
        return membership

    def leave(self, timeout: float = 5.0) -> tuple[Outcome, bool]:
        """Send what is queued, tell the server, forget the membership; ``(flush outcome, server told)``."""
        membership = self.membership()
        if membership is None:
            raise ClassroomError("this computer has not joined a training room.",
                                 "Join one with 'dlcourse classroom join CODE --name NAME'.")
        outcome = self.flush(timeout)
        status, _ = _request("POST", f"{membership['server']}/api/leave", None, membership["token"],
                             max(0.5, timeout / 2))
        self.membership_file.unlink(missing_ok=True)
        for path in self.pending():
            path.unlink(missing_ok=True)
        return outcome, status == 200

    def remote_status(self, timeout: float = 3.0) -> dict | None:
        membership = self.membership()
        if membership is None:
            return None
        status, answer = _request("GET", f"{membership['server']}/api/me", None, membership["token"], timeout)
        return answer if status == 200 else {"error": answer.get("error"), "status": status}

    # -- the queue ----------------------------------------------------------------------------
    def pending(self) -> list[Path]:
        try:
            return sorted(p for p in self.queue.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
        except OSError:
            return []

    def enqueue(self, result: dict) -> Path:
        rid = secrets.token_hex(16)
        record = from_check(result, rid, time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        path = self.queue / f"{time.time_ns():020d}-{rid}.json"
        _write_private(path, json.dumps(record, ensure_ascii=False))
        return path

    def flush(self, budget: float = REPORT_BUDGET) -> Outcome:
        """Send the queue, oldest first, within ``budget`` seconds in all."""
        outcome = Outcome()
        membership = self.membership()
        files = self.pending()
        outcome.left = len(files)
        if membership is None or not files:
            return outcome
        deadline = time.monotonic() + budget
        url, token = f"{membership['server']}/api/results", membership["token"]
        while files:
            batch, records, size = [], [], 20
            for path in files[:MAX_BATCH]:
                try:
                    record = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    path.unlink(missing_ok=True)          # a torn file: nothing to send
                    continue
                line = len(json.dumps(record, ensure_ascii=False).encode("utf-8")) + 1
                if batch and size + line > MAX_BODY - 512:
                    break
                batch.append(path)
                records.append(record)
                size += line
            files = [p for p in files if p not in batch and p.exists()]
            if not batch:
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                outcome.problem = "le serveur de la salle ne répond pas"
                break
            status, answer = _request("POST", url, {"results": records}, token, remaining)
            if status == 200:
                held = set(answer.get("stored", [])) | set(answer.get("duplicates", []))
                for path, record in zip(batch, records):
                    if record.get("id") in held:
                        path.unlink(missing_ok=True)
                        outcome.sent += 1
                if not held:
                    outcome.problem = "le serveur de la salle a répondu sans garder les résultats"
                    break
                continue
            if status == 422 and isinstance(answer.get("index"), int) and 0 <= answer["index"] < len(batch):
                bad = batch.pop(answer["index"])
                bad.unlink(missing_ok=True)                     # a record the server can never take
                files = batch + files
                continue
            outcome.problem = {0: "le serveur de la salle ne répond pas",
                               401: "le serveur de la salle ne reconnaît plus ce poste : rejoignez la salle à "
                                    "nouveau (dlcourse classroom join CODE --name NOM)",
                               429: "le serveur de la salle demande d'attendre"}.get(
                status, f"le serveur de la salle a refusé l'envoi (HTTP {status})")
            break
        outcome.left = len(self.pending())
        return outcome

    def report(self, result: dict, budget: float = REPORT_BUDGET) -> str | None:
        """Queue ``result`` and send the queue; the French line to show when something stays queued."""
        if self.membership() is None:
            return None
        self.enqueue(result)
        outcome = self.flush(budget)
        if outcome.left:
            return f"Résultat mis en file d'attente : {outcome.problem or 'le serveur de la salle ne répond pas'}."
        return None


def normalise_server(server: str) -> str:
    server = (server or "").strip().rstrip("/")
    if not server.startswith(("http://", "https://")):
        server = "http://" + server
    return server


def _request(method: str, url: str, payload, token: str | None, timeout: float) -> tuple[int, dict]:
    """``(HTTP status, JSON answer)``; status 0 when the server cannot be reached in ``timeout`` seconds."""
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))    # the room's server is local
    try:
        with opener.open(request, timeout=max(timeout, 0.05)) as response:
            status, raw = response.status, response.read(MAX_BODY * 4)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(MAX_BODY)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return 0, {"error": str(reason) or type(exc).__name__}
    try:
        answer = json.loads(raw.decode("utf-8"))
    except ValueError:
        answer = {}
    return status, answer if isinstance(answer, dict) else {}


def report_result(result: dict) -> None:
    """Send one ``Result.to_dict()`` to the training room when this computer has joined one.

    Does nothing when not joined. Otherwise queues the result on disk, then sends the queue within
    about two seconds; never raises, and prints at most one French line (on standard error) when the
    result stays queued for later.
    """
    try:
        line = Client().report(result)
    except Exception:                   # noqa: BLE001 - a check must never fail because of the room
        line = "Résultat non envoyé à la salle de formation : file d'attente illisible."
    if line:
        try:
            print(line, file=sys.stderr)
        except Exception:               # noqa: BLE001
            pass
