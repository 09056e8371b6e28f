"""The review web page: a small FastAPI application over a `ReviewDesk`.

Only HTTP lives here: the page, JSON for it, uploads, exports. The reviewing itself is
`session.ReviewedRecord` and the state and files are the desk's. Certificates are named by the ids the
desk gives out, so nothing a client sends ever becomes a path. In LAN mode every request must carry
the access token (the link printed at start sets it as a cookie), and requests that change anything
must come from the page itself (same origin), so another web site open in the reviewer's browser
cannot post to it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..advice import masked
from ..deskew import map_box
from ..errors import CertscanError, InputError
from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER, CertificateRecord, FieldKey
from ..report import Lang, check_text, verdict_text
from .desk import Item, ReviewDesk, flat_matrix
from .session import reasons
from .uploads import ACCEPT, too_large

if TYPE_CHECKING:
    from ..verify import Verification

TOKEN_COOKIE = "certscan_token"
TOKEN_HEADER = "x-certscan-token"
# JSON requests are small; only uploads may be large (multipart adds a little to the file itself).
_JSON_LIMIT = 1024 * 1024
_MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class WebSettings:
    """How the page is served: the LAN access token (None on localhost) and the default language."""

    token: str | None = None
    lang: Lang = "zh"


class PageError(Exception):
    """An error the page shows as one sentence in the reader's language."""

    def __init__(self, status: int, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.reason_zh = status, reason, reason_zh


class Correction(BaseModel):
    """A reviewer's value for one field (null or empty: not on the certificate)."""

    value: str | None = None
    reviewer: str | None = None


class Values(BaseModel):
    """Values being typed, by canonical field key, to check before saving."""

    values: dict[str, str | None] = {}


def create_app(desk: ReviewDesk, settings: WebSettings | None = None) -> FastAPI:
    """The review application for one desk."""
    settings = settings or WebSettings()
    app = FastAPI(title="certscan review", docs_url=None, redoc_url=None, max_body_size=_JSON_LIMIT)
    app.mount("/static", StaticFiles(packages=[("scanner.review", "static")]), name="static")

    upload_limit = desk.max_upload_bytes + _MULTIPART_OVERHEAD

    def lang_of(request: Request) -> Lang:
        return "en" if request.query_params.get("lang", settings.lang) == "en" else "zh"

    def error(request: Request, status: int, reason: str, reason_zh: str) -> JSONResponse:
        return JSONResponse({"error": reason_zh if lang_of(request) == "zh" else reason}, status_code=status)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> JSONResponse:
        return error(request, exc.status, exc.reason, exc.reason_zh)

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
            # The link's token becomes a cookie so the page's own requests carry it.
            response.set_cookie(TOKEN_COOKIE, settings.token, httponly=True, samesite="strict")
        return response

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        page = resources.files("scanner.review").joinpath("static/index.html").read_text("utf-8")
        return HTMLResponse(page)

    @app.get("/api/config")
    def config(request: Request) -> dict[str, Any]:
        lang = lang_of(request)
        labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
        return {
            "lang": lang,
            "accept": ACCEPT,
            "max_upload_bytes": desk.max_upload_bytes,
            "fields": [{"key": str(k), "label": labels[k]} for k in FIELD_ORDER],
            "out": desk.out.name,
        }

    @app.get("/api/items")
    def items(request: Request) -> dict[str, Any]:
        return {"items": [_summary(item) for item in desk.items()]}

    @app.post("/api/uploads", max_body_size=upload_limit)
    async def upload(request: Request, file: UploadFile = File(...)) -> dict[str, Any]:  # noqa: B008
        data = await file.read(desk.max_upload_bytes + 1)
        try:
            items = await run_in_threadpool(desk.upload, data, file.content_type, file.filename)
        except InputError as exc:
            raise PageError(400, exc.reason, exc.reason_zh) from None
        # A PDF or multi-frame TIFF is several certificates: all go on the list, the first is shown.
        return {**_item_view(desk, items[0], lang_of(request)), "pages": len(items)}

    def item_or_404(item_id: str) -> Item:
        try:
            return desk.get(item_id)
        except KeyError:
            raise PageError(404, "no such certificate on this review desk", "复核列表中没有此证书") from None

    @app.get("/api/items/{item_id}")
    def item(item_id: str, request: Request) -> dict[str, Any]:
        return _item_view(desk, item_or_404(item_id), lang_of(request))

    def picture(data: bytes | None, missing: str, missing_zh: str) -> Response:
        if data is None:
            raise PageError(404, missing, missing_zh)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/api/items/{item_id}/image")
    def image(item_id: str) -> Response:
        item_or_404(item_id)
        missing = "the image of this certificate is not available"
        return picture(desk.image(item_id), missing, "此证书的图像不可用")

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
        out: dict[str, Any] = {"fields": _field_states(record, lang), "failed": _failed(record, lang)}
        if FieldKey.INSTITUTION in values:
            out["institution"] = _institution(desk, record.value(FieldKey.INSTITUTION))
        return out

    @app.post("/api/items/{item_id}/fields/{key}")
    def correct(item_id: str, key: str, body: Correction, request: Request) -> dict[str, Any]:
        if item_or_404(item_id).reviewed.record.error:
            raise PageError(
                400, "a file that could not be read has no fields", "无法读取的文件没有可复核的字段"
            )
        item = desk.correct(item_id, _key(key), body.value, body.reviewer)
        return _item_view(desk, item, lang_of(request))

    @app.post("/api/items/{item_id}/verify")
    def verify(item_id: str, request: Request) -> dict[str, Any]:
        item = item_or_404(item_id)
        if item.reviewed.record.error:
            raise PageError(400, "a file that could not be read cannot be verified", "无法读取的文件无法核验")
        try:
            desk.verify(item_id)
        except CertscanError as exc:
            raise PageError(503, str(exc), f"无法使用登记库：{exc}") from None
        return _item_view(desk, desk.get(item_id), lang_of(request))

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


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other people on the network may reach it by (no traffic sent)."""
    import socket

    try:
        found = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        found = []
    return [a for a in dict.fromkeys(found) if not a.startswith("127.")] or ["127.0.0.1"]


def _key(text: str) -> FieldKey:
    try:
        return FieldKey(text)
    except ValueError:
        raise PageError(400, f"{text!r} is not a certificate field", f"“{text}”不是证书字段") from None


def _status(item: Item) -> str:
    record = item.reviewed.record
    if record.error:
        return "error"
    if item.verified is not None:
        return "verified"
    return "review" if record.needs_review else "ready"


def _summary(item: Item) -> dict[str, Any]:
    """One line of the list: enough to pick the certificate."""
    record = item.reviewed.record
    verified = item.verified
    return {
        "id": item.id,
        "file": _shown_name(record.file),
        "page": record.page,
        "name": record.value(FieldKey.NAME) if not record.error else None,
        "status": _status(item),
        "pending": len(record.needs_review),
        "verdict": str(verified.verdict) if verified and verified.verdict else None,
    }


def _shown_name(file: str) -> str:
    """The file's own name: folders of the machine serving the page are none of the page's business."""
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def _item_view(desk: ReviewDesk, item: Item, lang: Lang) -> dict[str, Any]:
    """Everything the page shows for one certificate."""
    reviewed = item.reviewed
    record = reviewed.record
    out = _summary(item)
    if record.error:
        out["error"] = (record.error_zh or record.error) if lang == "zh" else record.error
        return out
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    states = _field_states(record, lang)
    fields = []
    for key in FIELD_ORDER:
        read = reviewed.read(key)
        current = record.fields[key]
        fields.append(
            {
                "key": str(key),
                "label": labels[key],
                "read": read.value,
                "raw": read.raw,
                "confidence": round(read.confidence, 3),
                "flags": [str(f) for f in read.flags],
                "corrected": key in reviewed.original and current.value != read.value,
                "box": read.box.to_json() if read.box else None,
                **states[str(key)],
            }
        )
    # Each view is a picture of the certificate with the fields' boxes in its own pixels: the photo
    # as given, and beside it the certificate flattened and turned upright as OCR read it.
    boxes = {f["key"]: f["box"] for f in fields if f["box"]}
    views = [{"kind": "photo", "url": f"/api/items/{item.id}/image", "boxes": boxes}] if item.image else []
    flat = flat_matrix(record)
    if item.image and flat is not None:
        flat_boxes = {k: [round(v) for v in map_box(tuple(b), flat[0])] for k, b in boxes.items()}
        views.append({"kind": "flat", "url": f"/api/items/{item.id}/flat", "boxes": flat_boxes})
    institution = reviewed.read(FieldKey.INSTITUTION)
    out |= {
        "fields": fields,
        "failed": _failed(record, lang),
        "notes": [check_text(c, lang, record) for c in record.checks if c.ok and c.note],
        "warnings": list(record.warnings),
        "views": views,
        "institution": _institution(desk, institution.raw or institution.value),
        "audit": [e.to_json() for e in reviewed.audit],
        "verification": _verification_view(item.verified, lang) if item.verified else None,
    }
    return out


def _field_states(record: CertificateRecord, lang: Lang) -> dict[str, dict[str, Any]]:
    """What may change as a reviewer types: each field's value, reasons and review mark."""
    return {
        str(key): {
            "value": record.fields[key].value,
            "review": record.fields[key].review,
            "confirmed": record.fields[key].confirmed,
            "reasons": reasons(record, key, lang),
        }
        for key in FIELD_ORDER
    }


def _failed(record: CertificateRecord, lang: Lang) -> list[str]:
    return [check_text(c, lang, record) for c in record.checks if not c.ok]


def _institution(desk: ReviewDesk, text: str | None) -> dict[str, Any]:
    """The official name the text surely means, and the candidates a reviewer may pick from."""
    if not text:
        return {"match": None, "candidates": []}
    match = desk.matcher.match(text)
    names = [c.name for c in match.candidates]
    if match.match and match.match not in names:
        names.insert(0, match.match)
    return {"match": match.match, "candidates": names[:5]}


def _verification_view(v: Verification, lang: Lang) -> dict[str, Any]:
    data = v.to_json(lang)
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    entry = v.entry
    return {
        "verdict": data["verdict"],
        "text": verdict_text(data["verdict"], lang) if data["verdict"] else None,
        "registry": data.get("registry"),
        "entry": {"name": entry.name, "certificate_code": entry.certificate_code} if entry else None,
        "differences": [
            {
                "field": str(d.field),
                "label": labels[d.field],
                "certificate": masked(d.field, d.certificate),
                "registry": masked(d.field, d.registry),
                "explanation": shown["explanation"],
            }
            for d, shown in zip(v.differences, data["differences"], strict=True)
        ],
        "advice": data["advice"],
        "review_fields": [labels[FieldKey(k)] for k in data.get("review_fields", [])],
    }
