"""The review web page: a small FastAPI application over a `ReviewDesk`.

Only HTTP lives here: the page, JSON for it, uploads, exports. The reviewing itself is
`session.ReviewedRecord` and the state and files are the desk's. Certificates are named by the ids the
desk gives out, so nothing a client sends ever becomes a path. In LAN mode every request must carry
the access token (the link printed at start sets it as a cookie), and requests that change anything
must come from the page itself (same origin), so another web site open in the reviewer's browser
cannot post to it. On localhost only loopback host names are answered, so a web site whose name is
rebound to 127.0.0.1 (DNS rebinding) cannot read or post either; no page may frame this one.

Who reviewed: `--reviewer` names the reviewer of the whole server; without it each browser session
(a cookie the server gives out) names its reviewer once, and every correction it makes is audited
under that name, whatever a request body says.
"""

from __future__ import annotations

import io
import secrets
import threading
import time
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import numpy as np
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import CertscanError, InputError
from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER, FieldKey
from ..merge import same_certificate as surely_same
from ..text import Lang, redact_url, without_credentials
from .desk import Cancelled, Item, ReviewDesk
from .lan import qr_router, share_link
from .retake import PhotoAdvice, photo_advice
from .session import ChangePart, ReviewRefused
from .uploads import ACCEPT, too_large
from .views import failed, field_states, institution_view, item_view, summary

if TYPE_CHECKING:
    import socket

TOKEN_COOKIE = "certscan_token"
TOKEN_HEADER = "x-certscan-token"
SESSION_COOKIE = "certscan_session"
# Host names a page served on localhost answers to: a rebound DNS name is none of them.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Sent with every response: no other page may show this one in a frame (clickjacking).
SAFETY_HEADERS = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}
_REVIEWER_MAX = 60
# An address with a user name or password in it, wherever it appears in a message.
# JSON requests are small; only uploads may be large (multipart adds a little to the file itself).
_JSON_LIMIT = 1024 * 1024
_MULTIPART_OVERHEAD = 64 * 1024
# A shot taken this soon after the last one from the same browser is probably a retake of the same
# certificate: the page asks "same certificate?" (a person at the wall takes a retake within a minute
# or two; the next doctor's certificate is usually further along the corridor).
SAME_SHOT_SECONDS = 5 * 60


@dataclass(frozen=True)
class WebSettings:
    """How the page is served: the LAN access token (None on localhost), the default language, the
    reviewer named at start (`--reviewer`), who is then the reviewer of every session, and the LAN
    links with the token (`lan.link`) the page may show as a QR code for a second phone."""

    token: str | None = None
    lang: Lang = "zh"
    reviewer: str | None = None
    links: tuple[str, ...] = ()


class PageError(Exception):
    """An error the page shows as one sentence in the reader's language."""

    def __init__(self, status: int, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.reason_zh = status, reason, reason_zh


class Correction(BaseModel):
    """A reviewer's value for one field (null or empty: not on the certificate). Who made it is
    the session's reviewer, never a name in the request."""

    value: str | None = None


class Reviewer(BaseModel):
    """The name a browser session reviews under, given once."""

    reviewer: str


class Values(BaseModel):
    """Values being typed, by canonical field key, to check before saving."""

    values: dict[str, str | None] = {}


class Shots(BaseModel):
    """Items that are shots of one certificate, to read as one."""

    ids: list[str]


class Official(BaseModel):
    """What the national query showed: found or not, and the values it showed by field key."""

    found: bool
    values: dict[str, str | None] = {}


def create_app(desk: ReviewDesk, settings: WebSettings | None = None) -> FastAPI:
    """The review application for one desk."""
    settings = settings or WebSettings()
    # Browser session → the reviewer it named (see the module docstring).
    session_reviewers: dict[str, str] = {}
    sessions_lock = threading.Lock()
    # What to do about each uploaded photo, worked out once (the photo does not change), and each
    # browser session's last shot (item id, when), to ask whether a new one shows the same certificate.
    advice: dict[str, PhotoAdvice] = {}
    last_shot: dict[str, tuple[str, float]] = {}
    app = FastAPI(title="certscan review", docs_url=None, redoc_url=None, max_body_size=_JSON_LIMIT)
    app.mount("/static", StaticFiles(packages=[("scanner.review", "static")]), name="static")
    if settings.token and settings.links:
        app.include_router(qr_router(settings.links))

    upload_limit = desk.max_upload_bytes + _MULTIPART_OVERHEAD

    def lang_of(request: Request) -> Lang:
        return "en" if request.query_params.get("lang", settings.lang) == "en" else "zh"

    def error(request: Request, status: int, reason: str, reason_zh: str) -> JSONResponse:
        return JSONResponse({"error": reason_zh if lang_of(request) == "zh" else reason}, status_code=status)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> JSONResponse:
        return error(request, exc.status, exc.reason, exc.reason_zh)

    @app.exception_handler(ReviewRefused)
    async def refused(request: Request, exc: ReviewRefused) -> JSONResponse:
        return error(request, 400, str(exc), exc.message_zh)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 413:
            return error(request, 413, *too_large(desk.max_upload_bytes))
        if exc.status_code == 404:
            return error(request, 404, "not found", "未找到")
        return error(request, exc.status_code, str(exc.detail), str(exc.detail))

    def token_ok(supplied: str | None) -> bool:
        token = settings.token
        return token is None or (
            supplied is not None and secrets.compare_digest(supplied.encode(), token.encode())
        )

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        response = await checked(request, call_next)
        response.headers.update(SAFETY_HEADERS)
        if not _session_of(request):
            response.set_cookie(SESSION_COOKIE, request.state.session, httponly=True, samesite="strict")
        return response

    async def checked(request: Request, call_next: Any) -> Response:
        request.state.session = _session_of(request) or secrets.token_urlsafe(18)
        if settings.token is None and _host_name(request.headers.get("host")) not in LOOPBACK_HOSTS:
            return error(
                request,
                403,
                "this review page answers only to 127.0.0.1 or localhost; open it by that address",
                "此复核页面只接受 127.0.0.1 或 localhost 的访问，请用该地址打开",
            )
        from_link = request.query_params.get("token")
        supplied = from_link or request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE)
        if not token_ok(supplied):
            return error(
                request,
                401,
                "this review page needs the access link printed when it was started",
                "此复核页面需要启动时显示的访问链接（含访问令牌）",
            )
        declared = request.headers.get("content-length", "")
        if request.url.path == "/api/uploads" and declared.isdigit() and int(declared) > upload_limit:
            # Said before the body is read, so a phone on a slow network does not send it for nothing.
            return error(request, 413, *too_large(desk.max_upload_bytes))
        origin = request.headers.get("origin")
        if (
            request.method not in ("GET", "HEAD")
            and origin
            and urlsplit(origin).netloc != request.headers.get("host")
        ):
            return error(
                request, 403, "requests must come from the review page itself", "请求必须来自复核页面本身"
            )
        response: Response = await call_next(request)
        if settings.token and from_link:
            # The link's token becomes a cookie so the page's own requests carry it; the page's
            # script then drops it from the address bar (history.replaceState).
            response.set_cookie(TOKEN_COOKIE, settings.token, httponly=True, samesite="strict")
        return response

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        page = resources.files("scanner.review").joinpath("static/index.html").read_text("utf-8")
        return HTMLResponse(page)

    def reviewer_of(request: Request) -> str | None:
        with sessions_lock:
            return settings.reviewer or session_reviewers.get(request.state.session)

    @app.get("/api/config")
    def config(request: Request) -> dict[str, Any]:
        lang = lang_of(request)
        labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
        return {
            "lang": lang,
            "accept": ACCEPT,
            "max_upload_bytes": desk.max_upload_bytes,
            "max_pages": desk.max_pages,
            "fields": [{"key": str(k), "label": labels[k]} for k in FIELD_ORDER],
            "out": desk.out.name,
            "reviewer": reviewer_of(request),
            # The link a second phone opens (GET /api/qr.svg draws it); None off the LAN.
            "share": share_link(settings.links, request.headers.get("host")) if settings.token else None,
        }

    @app.post("/api/reviewer")
    def set_reviewer(body: Reviewer, request: Request) -> dict[str, Any]:
        name = " ".join(body.reviewer.split())[:_REVIEWER_MAX]
        if not name:
            raise PageError(400, "give the reviewer's name", "请填写复核人姓名")
        if settings.reviewer:
            raise PageError(
                409,
                f"the reviewer of this page was named when it was started: {settings.reviewer}",
                f"复核人已在启动时指定为{settings.reviewer}",
            )
        with sessions_lock:
            named = session_reviewers.setdefault(request.state.session, name)
        if named != name:
            raise PageError(
                409,
                f"this browser session reviews as {named}; the name is set once per session",
                f"本次会话的复核人已是{named}，每次会话只能设定一次",
            )
        return {"reviewer": named}

    @app.get("/api/items")
    def items(request: Request) -> dict[str, Any]:
        return {"items": [summary(item) for item in desk.items()]}

    @app.post("/api/uploads", max_body_size=upload_limit)
    async def upload(request: Request, file: UploadFile = File(...)) -> dict[str, Any]:  # noqa: B008
        data = await file.read(desk.max_upload_bytes + 1)
        # The desk asks between pages whether the client is still there: one that left (a closed
        # tab, a phone out of reach) wants nothing more, so the rest of a long PDF is not read.
        gone = threading.Event()

        async def watch() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            gone.set()

        outcome: list[Any] = []
        async with anyio.create_task_group() as watching:
            watching.start_soon(watch)
            try:
                outcome.append(
                    await run_in_threadpool(desk.upload, data, file.content_type, file.filename, gone.is_set)
                )
            except (InputError, Cancelled) as exc:
                outcome.append(exc)
            watching.cancel_scope.cancel()
        [result] = outcome
        if isinstance(result, InputError):
            raise PageError(400, result.reason, result.reason_zh)
        if isinstance(result, Cancelled):
            raise PageError(
                503, "the upload was stopped before all its pages were read", "上传在读完所有页面之前已停止"
            )
        items: list[Item] = result
        # A PDF or multi-frame TIFF is several certificates: all go on the list, the first is shown.
        first = items[0]
        # The photo's advice looks at the flattened page: off the event loop, as the scan was.
        out = {**await run_in_threadpool(view, first, lang_of(request)), "pages": len(items)}
        out["same_as"] = same_certificate(request.state.session, first, len(items))
        return out

    def photo_of(item: Item) -> PhotoAdvice | None:
        """What to do about an uploaded photo (None for a row of a results file, no photo here, and
        for shots read as one: each was judged when it came)."""
        if item.id not in advice and item.image is not None and not item.shots:
            flat = desk.flat_image(item.id)
            pixels = np.asarray(Image.open(io.BytesIO(flat)).convert("RGB")) if flat else None
            advice[item.id] = photo_advice(item.reviewed.record, pixels)
        return advice.get(item.id)

    def view(item: Item, lang: Lang) -> dict[str, Any]:
        return item_view(desk, item, lang, photo_of(item))

    def same_certificate(session: str, item: Item, pages: int) -> dict[str, Any] | None:
        """The shot before this one when it came from the same browser a few minutes ago: the page
        asks whether both show the same certificate (then they are read as one)."""
        now = time.monotonic()
        with sessions_lock:
            before = last_shot.get(session)
            last_shot[session] = (item.id, now)
        if before is None or pages > 1 or item.reviewed.record.error or now - before[1] > SAME_SHOT_SECONDS:
            return None
        try:
            earlier = desk.get(before[0])
        except KeyError:
            return None  # merged into another item since
        if (
            earlier.reviewed.record.error
            or surely_same(item.reviewed.record, earlier.reviewed.record) is False
        ):
            return None
        return {**summary(earlier), "minutes": round((now - before[1]) / 60, 1)}

    def item_or_404(item_id: str) -> Item:
        try:
            return desk.get(item_id)
        except KeyError:
            raise PageError(404, "no such certificate on this review desk", "复核列表中没有此证书") from None

    def readable(item_id: str) -> Item:
        item = item_or_404(item_id)
        if item.reviewed.record.error:
            raise PageError(
                400, "a file that could not be read has no fields", "无法读取的文件没有可复核的字段"
            )
        return item

    @app.get("/api/items/{item_id}")
    def item(item_id: str, request: Request) -> dict[str, Any]:
        return view(item_or_404(item_id), lang_of(request))

    def picture(data: bytes | None, missing: str, missing_zh: str) -> Response:
        if data is None:
            raise PageError(404, missing, missing_zh)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/api/items/{item_id}/image")
    def image(item_id: str) -> Response:
        item_or_404(item_id)
        missing = "the image of this certificate is not available"
        return picture(desk.image(item_id), missing, "此证书的图像不可用")

    @app.get("/api/items/{item_id}/shots/{n}/image")
    def shot_image(item_id: str, n: int) -> Response:
        shots = item_or_404(item_id).shots
        missing = "no such shot of this certificate"
        if not 1 <= n <= len(shots):
            raise PageError(404, missing, "此证书没有这张照片")
        return picture(desk.image(shots[n - 1]), missing, "此证书没有这张照片")

    @app.get("/api/items/{item_id}/flat")
    def flat(item_id: str) -> Response:
        item_or_404(item_id)
        missing = "no flattened page for this certificate"
        return picture(desk.flat_image(item_id), missing, "此证书没有拉平的图像")

    @app.post("/api/items/{item_id}/check")
    def check(item_id: str, body: Values, request: Request) -> dict[str, Any]:
        if item_or_404(item_id).reviewed.record.error:
            raise PageError(
                400, "a file that could not be read has no fields", "无法读取的文件没有可复核的字段"
            )
        lang = lang_of(request)
        values = {_key(k): v for k, v in body.values.items()}
        record = desk.preview(item_id, values)
        out: dict[str, Any] = {"fields": field_states(record, lang), "failed": failed(record, lang)}
        if FieldKey.INSTITUTION in values:
            out["institution"] = institution_view(desk, record.value(FieldKey.INSTITUTION))
        return out

    @app.post("/api/items/{item_id}/fields/{key}")
    def correct(item_id: str, key: str, body: Correction, request: Request) -> dict[str, Any]:
        if item_or_404(item_id).reviewed.record.error:
            raise PageError(
                400, "a file that could not be read has no fields", "无法读取的文件没有可复核的字段"
            )
        item = desk.correct(item_id, _key(key), body.value, reviewer_of(request))
        return view(item, lang_of(request))

    @app.post("/api/items/{item_id}/changes/{index}/{part}")
    def correct_change(
        item_id: str, index: int, part: str, body: Correction, request: Request
    ) -> dict[str, Any]:
        changes = readable(item_id).reviewed.record.changes
        if not 0 <= index < len(changes):
            raise PageError(404, "no such change block on this certificate", "此证书没有这一条变更记录")
        item = desk.correct_change(item_id, index, _part(part), body.value, reviewer_of(request))
        return view(item, lang_of(request))

    @app.post("/api/merge")
    def merge(body: Shots, request: Request) -> dict[str, Any]:
        ids = list(dict.fromkeys(body.ids))
        if len(ids) < 2:
            raise PageError(400, "choose at least two shots to read as one", "请至少选择两张照片合并识别")
        for item_id in ids:
            readable(item_id)
        return view(desk.merge_items(ids, reviewer_of(request)), lang_of(request))

    @app.get("/api/items/{item_id}/official")
    def official_query(item_id: str, request: Request) -> dict[str, Any]:
        readable(item_id)
        return desk.official_query(item_id, lang_of(request))

    @app.post("/api/items/{item_id}/official")
    def record_official(item_id: str, body: Official, request: Request) -> dict[str, Any]:
        readable(item_id)
        values = {str(_key(k)): v for k, v in body.values.items()}
        result = desk.record_official(item_id, body.found, values, reviewer_of(request), lang_of(request))
        return {"official": result, "item": view(desk.get(item_id), lang_of(request))}

    def evidence(item_id: str, request: Request, full_id: bool) -> HTMLResponse:
        readable(item_id)
        page = desk.evidence_html(item_id, lang_of(request), full_id, reviewer_of(request))
        name = f"certscan-evidence-{item_id}.html"
        # Shown in a tab of its own, to read and print to PDF; saved under a name of its own.
        return HTMLResponse(page, headers={"Content-Disposition": f'inline; filename="{name}"'})

    @app.get("/api/items/{item_id}/evidence.html")
    def evidence_masked(item_id: str, request: Request) -> HTMLResponse:
        return evidence(item_id, request, full_id=False)

    @app.post("/api/items/{item_id}/evidence.html")
    def evidence_full(item_id: str, request: Request) -> HTMLResponse:
        # The full ID number only by a request that changes something (it is audited): a POST from
        # the page itself, never a link another site could make the reviewer's browser follow.
        return evidence(item_id, request, full_id=True)

    @app.post("/api/items/{item_id}/verify")
    def verify(item_id: str, request: Request) -> dict[str, Any]:
        item = item_or_404(item_id)
        if item.reviewed.record.error:
            raise PageError(400, "a file that could not be read cannot be verified", "无法读取的文件无法核验")
        try:
            desk.verify(item_id)
        except CertscanError as exc:
            raise PageError(503, *_registry_unusable(exc, desk.registry)) from None
        return view(desk.get(item_id), lang_of(request))

    @app.get("/api/export.jsonl")
    def export_jsonl(request: Request) -> Response:
        return Response(
            desk.export_jsonl(lang_of(request)),
            media_type="application/x-ndjson; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{desk.out.name}"'},
        )

    @app.get("/api/export.csv")
    def export_csv(request: Request) -> Response:
        name = desk.out.name.removesuffix(".jsonl") + ".csv"
        return Response(
            desk.export_csv(lang_of(request)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return app


def serve(
    desk: ReviewDesk, settings: WebSettings, host: str, port: int, sock: socket.socket | None = None
) -> None:
    """Serve the page until SIGINT or SIGTERM, on `sock` when given (bound beforehand by `lan.bind`,
    so a port in use was said before anything was announced). Either signal stops uploads after
    their current page, gives requests a few seconds, then closes the desk (its temporary uploads
    are removed) before the process ends: uvicorn ends it by raising the signal again once it has
    shut down."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            desk.stop()
            super().handle_exit(sig, frame)

        async def shutdown(self, sockets: Any = None) -> None:
            try:
                await super().shutdown(sockets)
            finally:
                desk.close()

    config = uvicorn.Config(
        create_app(desk, settings),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=_GRACE_SECONDS,
    )
    try:
        Server(config).run(sockets=[sock] if sock is not None else None)
    finally:
        desk.close()


# How long a stopping server waits for requests in flight (an upload finishing its current page).
_GRACE_SECONDS = 3


def _session_of(request: Request) -> str | None:
    value = request.cookies.get(SESSION_COOKIE)
    return value if value and len(value) <= 64 else None


def _host_name(host: str | None) -> str | None:
    """The host name of a Host header, without the port (`[::1]:8765` → `::1`)."""
    if not host:
        return None
    try:
        return urlsplit("//" + host).hostname
    except ValueError:
        return None


def _registry_unusable(exc: CertscanError, registry: str | None) -> tuple[str, str]:
    """Why the registry cannot be used, in English and in Chinese, never with a password. A message
    that has no Chinese sentence of its own is not put inside a Chinese one."""
    english = without_credentials(str(exc))
    text = getattr(exc, "text", None)
    chinese = without_credentials(text("zh")) if callable(text) else english
    shown = redact_url(registry) if registry else "默认登记库"
    if chinese == english:
        chinese = f"无法使用登记库（{shown}）：请检查 --registry 指定的文件或地址是否可用"
    else:
        chinese = f"无法使用登记库：{chinese}"
    return f"the registry cannot be used: {english}", chinese


def _part(text: str) -> ChangePart:
    try:
        return ChangePart(text)
    except ValueError:
        raise PageError(
            400, f"{text!r} is not a part of a change block", f"“{text}”不是变更记录的栏目"
        ) from None


def _key(text: str) -> FieldKey:
    try:
        return FieldKey(text)
    except ValueError:
        raise PageError(400, f"{text!r} is not a certificate field", f"“{text}”不是证书字段") from None
