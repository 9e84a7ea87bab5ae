"""The trainer's web server: Starlette on uvicorn, SQLite underneath.

Endpoints (every answer to a refused request is JSON ``{"error": "..."}`` with its status):

- ``GET /``: the learners' page (French), the command that joins the room;
- ``POST /api/join`` ``{"code", "name"}``: a learner's token (403 for a wrong code);
- ``POST /api/results`` ``{"results": [...]}`` with ``Authorization: Bearer TOKEN``: results stored once
  per (learner, result id); ``GET /api/me`` and ``POST /api/leave`` with the same token;
- ``GET /dashboard?token=T``, ``GET /api/state?token=T``, ``GET /events?token=T`` (server-sent events) and
  ``GET /export.csv?token=T``: the trainer's, with the token printed by ``dlcourse classroom serve``.

Bodies over 16 KiB get 413, malformed JSON 400, a result outside the schema 422, a client over its
rate 429 (with ``Retry-After``), a missing or unknown token 401. Nothing is executed; nothing but the
result fields of :mod:`dlcourse.classroom.schema` is stored.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from dlcourse.classroom import pages
from dlcourse.classroom.schema import MAX_BATCH, MAX_BODY, SchemaError, validate, validate_name
from dlcourse.classroom.store import Store

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
PAGE_CSP = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class RateLimiter:
    """Token buckets: ``burst`` requests at once, then ``per_second``; one bucket per key."""

    def __init__(self, burst: float, per_second: float, max_keys: int = 10000):
        self.burst, self.rate, self.max_keys = float(burst), float(per_second), max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self.max_keys and key not in self._buckets:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate if self.rate > 0 else 60.0


class Changes:
    """A version number the event streams wait on (one event loop: uvicorn's)."""

    def __init__(self):
        self.version = 0
        self.closing = False
        self._event: asyncio.Event | None = None

    def close(self) -> None:
        """The server stops: the event streams end (the browsers reconnect to the next server)."""
        self.closing = True
        self.bump()

    def bump(self) -> None:
        self.version += 1
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, seen: int, timeout: float) -> None:
        if self.version != seen:
            return
        if self._event is None:
            self._event = asyncio.Event()
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except asyncio.TimeoutError:
            pass


def create_app(store: Store, *, client_burst: float = 60, client_rate: float = 20, join_burst: float = 30,
               join_rate: float = 0.5, address_burst: float = 1000, address_rate: float = 500,
               keepalive: float = 15.0) -> Starlette:
    """The application over ``store``; the rate limits are per learner token, per address for joins
    (guessing the code), and per address for everything."""
    per_client = RateLimiter(client_burst, client_rate)
    per_join = RateLimiter(join_burst, join_rate)
    per_address = RateLimiter(address_burst, address_rate)
    changes = Changes()

    def address(request: Request) -> str:
        return request.client.host if request.client else "?"

    def limit(limiter: RateLimiter, key: str) -> None:
        wait = limiter.take(key)
        if wait:
            raise Refused(429, "too many requests; wait before sending again",
                          {"Retry-After": str(max(1, math.ceil(wait)))})

    async def body(request: Request):
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise Refused(400, "invalid Content-Length header")
            if int(declared) > MAX_BODY:
                raise Refused(413, f"the request body is larger than {MAX_BODY} bytes")
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise Refused(413, f"the request body is larger than {MAX_BODY} bytes")
        try:
            return json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Refused(400, "the request body is not valid JSON") from None

    def bearer(request: Request) -> str | None:
        value = request.headers.get("authorization", "")
        return value[7:].strip() if value[:7].lower() == "bearer " else None

    def learner(request: Request) -> tuple[int, str]:
        token = bearer(request)
        if token:
            limit(per_client, "t:" + token[:64])
        found = store.learner(token)
        if found is None:
            raise Refused(401, "unknown or missing learner token; join the room again")
        return found

    def trainer(request: Request) -> None:
        if not store.trainer_ok(request.query_params.get("token")):
            raise Refused(401, "this page needs the trainer's token printed by 'dlcourse classroom serve'")

    async def join(request: Request) -> Response:
        limit(per_join, address(request))
        payload = await body(request)
        if not isinstance(payload, dict) or set(payload) - {"code", "name"}:
            raise Refused(422, "a join request holds only 'code' and 'name'")
        try:
            name = validate_name(payload.get("name"))
        except SchemaError as exc:
            raise Refused(422, str(exc)) from None
        code = payload.get("code")
        if not isinstance(code, str) or len(code) > 32 or not store.code_matches(code):
            raise Refused(403, "wrong join code for this training room")
        learner_id, token, shown = store.add_learner(name)
        changes.bump()
        return JSONResponse({"token": token, "learner": learner_id, "name": shown})

    async def results(request: Request) -> Response:
        learner_id, _ = learner(request)
        payload = await body(request)
        if not isinstance(payload, dict) or set(payload) != {"results"} or not isinstance(payload["results"], list):
            raise Refused(422, "expected {\"results\": [...]}")
        if len(payload["results"]) > MAX_BATCH:
            raise Refused(422, f"at most {MAX_BATCH} results per request")
        records = []
        for index, record in enumerate(payload["results"]):
            try:
                records.append(validate(record))
            except SchemaError as exc:
                return JSONResponse({"error": f"result {index}: {exc}", "index": index}, status_code=422)
        stored, duplicates = store.add_results(learner_id, records)
        if stored:
            changes.bump()
        return JSONResponse({"stored": stored, "duplicates": duplicates})

    async def me(request: Request) -> Response:
        learner_id, name = learner(request)
        return JSONResponse({"learner": learner_id, "name": name, "results": store.count(learner_id)})

    async def leave(request: Request) -> Response:
        learner_id, name = learner(request)
        store.leave(learner_id)
        changes.bump()
        return JSONResponse({"left": name})

    async def home(request: Request) -> Response:
        code = request.query_params.get("code", "")
        return HTMLResponse(pages.learners_page(str(request.base_url).rstrip("/"), code if len(code) <= 12 else ""),
                            headers={"Content-Security-Policy": PAGE_CSP})

    async def dashboard(request: Request) -> Response:
        trainer(request)
        return HTMLResponse(pages.dashboard_page(store.session()[0]), headers={"Content-Security-Policy": PAGE_CSP})

    async def state(request: Request) -> Response:
        trainer(request)
        return JSONResponse(store.state())

    async def events(request: Request) -> Response:
        trainer(request)

        async def stream():
            seen = -1
            while not changes.closing:
                if await request.is_disconnected():
                    return
                if changes.version != seen:
                    seen = changes.version
                    yield f"event: state\ndata: {json.dumps(store.state(), ensure_ascii=False)}\n\n"
                    await asyncio.sleep(0.2)          # a burst of results: one update, not one per result
                else:
                    yield ": keepalive\n\n"
                await changes.wait(seen, keepalive)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"X-Accel-Buffering": "no"})

    async def export(request: Request) -> Response:
        trainer(request)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["apprenant", "exercice", "numero", "titre", "reussi", "secondes", "framework", "indices",
                         "date_resultat", "recu_a", "id_resultat"])
        for r in store.rows():
            writer.writerow([_cell(r["name"]), r["exercise"], r["numero"] or "", _cell(r["title"]),
                             "oui" if r["passed"] else "non", r["seconds"], r["framework"] or "",
                             _cell(" | ".join(json.loads(r["hints"]))), r["at"],
                             time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(r["received_at"])), r["result_id"]])
        stamp = time.strftime("%Y%m%d")
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="salle-{stamp}.csv"'})

    async def handle(request: Request, call) -> Response:
        try:
            limit(per_address, address(request))
            response = await call(request)
        except Refused as exc:
            response = JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    def route(path, endpoint, methods):
        async def wrapped(request: Request) -> Response:
            return await handle(request, endpoint)
        return Route(path, wrapped, methods=methods)

    async def not_found(request: Request, exc) -> Response:
        status = getattr(exc, "status_code", 404)
        return JSONResponse({"error": "not found" if status == 404 else "method not allowed"}, status_code=status)

    app = Starlette(routes=[route("/", home, ["GET"]), route("/api/join", join, ["POST"]),
                            route("/api/results", results, ["POST"]), route("/api/me", me, ["GET"]),
                            route("/api/leave", leave, ["POST"]), route("/dashboard", dashboard, ["GET"]),
                            route("/api/state", state, ["GET"]), route("/events", events, ["GET"]),
                            route("/export.csv", export, ["GET"])],
                    exception_handlers={404: not_found, 405: not_found})
    app.state.store = store
    app.state.changes = changes
    return app


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def app_from_environment() -> Starlette:
    """For ``uvicorn --factory dlcourse.classroom.server:app_from_environment`` (``DLCOURSE_CLASSROOM_DB``)."""
    import os

    return create_app(Store(Path(os.environ["DLCOURSE_CLASSROOM_DB"])))


def serve(store: Store, host: str, port: int) -> None:
    """Run the server until Ctrl-C (or SIGTERM); open dashboards are told to let go at once."""
    import uvicorn

    app = create_app(store)

    class Server(uvicorn.Server):
        loop: asyncio.AbstractEventLoop | None = None

        async def startup(self, sockets=None) -> None:
            self.loop = asyncio.get_running_loop()
            await super().startup(sockets)

        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            if self.loop is not None:
                self.loop.call_soon_threadsafe(app.state.changes.close)

    Server(uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3,
                          server_header=False)).run()
