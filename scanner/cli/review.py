"""`certscan review`: correct readings before the lookup, in the terminal or on the review page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CertscanError
from ..text import Lang
from .common import EXIT_FINDING, EXIT_OK, LangOption, RegistryOption, fail, parse_lang

if TYPE_CHECKING:
    import socket


def review(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="A results file (`certscan scan --json`, a batch, an earlier review) or, with --serve, "
            "results files and certificate images to put on the review page."
        ),
    ] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Open the review web page instead.")] = False,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to serve on (default 127.0.0.1; 0.0.0.0 with --lan)."),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to serve on (0: any free port).")
    ] = 8765,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan", help="Serve on the local network (e.g. for a phone) behind a printed access token."
        ),
    ] = False,
    registry: RegistryOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The reviewed JSON Lines file (default: RESULTS.reviewed.jsonl beside the results, or "
            "certscan-reviewed.jsonl); the audit goes beside it as .audit.jsonl.",
        ),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Your name, kept in the audit trail.")
    ] = None,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", min=0.1, help="Largest upload the page accepts, in MB.")
    ] = 20.0,
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, help="Most pages one upload (a PDF, a TIFF) may hold.")
    ] = 50,
    lang: LangOption = "zh",
) -> None:
    """Correct what OCR read before the lookup: in the terminal, or on a local web page (--serve).

    In the terminal, steps through the fields marked for review in RESULTS.jsonl: Enter keeps a
    value, a new value corrects it, - clears it. The original results are never overwritten; every
    correction is appended to an audit file. Exit code 0, 1 when stopped before the end, 2 for
    unreadable input or wrong options.
    """
    language = parse_lang(lang)
    from ..review.desk import reviewed_path

    if not serve:
        if not inputs or len(inputs) != 1:
            raise fail(
                CertscanError(
                    "name one results file to review, or use --serve for the web page.",
                    "请指定一个要复核的识别结果文件，或用 --serve 打开复核网页。",
                ),
                language,
            )
        from ..review.terminal import review_in_terminal

        results = inputs[0]

        def ask(prompt: str) -> str | None:
            try:
                answer: str = typer.prompt(prompt, default="", show_default=False)
            except typer.Abort:
                return None
            return answer

        try:
            outcome = review_in_terminal(
                results, out or reviewed_path(results), ask, typer.echo, reviewer=reviewer, lang=language
            )
        except CertscanError as exc:
            raise fail(exc.text(language)) from None
        raise typer.Exit(EXIT_FINDING if outcome.stopped else EXIT_OK)
    _serve_review(
        inputs or [], host, port, lan, registry, out, (max_upload_mb, max_pages), reviewer, language
    )


# What the terminal says about reaching the page from a phone, in the reader's language.
_TO_PHONE = {
    "zh": "在同一网络的手机上扫描下面的二维码，或打开二维码上方的链接：",
    "en": "On a phone on the same network, scan a QR code below or open the link above it:",
}
_NO_LAN = {
    "zh": "本机没有局域网地址（是否未连接网络？），手机无法打开此页面，只能在本机打开：",
    "en": "This machine has no address on a local network (is it connected?), so a phone cannot open "
    "the page; open it on this machine:",
}


def _serve_review(
    inputs: list[Path],
    host: str | None,
    port: int,
    lan: bool,
    registry: str | None,
    out: Path | None,
    limits: tuple[float, int],
    reviewer: str | None,
    lang: Lang,
) -> None:
    from ..review.lan import PortUnavailable, bind

    address = host or ("0.0.0.0" if lan else "127.0.0.1")
    if not lan and address not in ("127.0.0.1", "localhost", "::1"):
        raise fail(
            CertscanError(
                f"serving on {address} reaches other machines: "
                "add --lan, which protects the page with a token.",
                f"在{address}上提供服务会让其他机器访问：请加 --lan，它用访问令牌保护页面。",
            ),
            lang,
        )
    try:
        # Bound before anything is read or announced: a port in use is one sentence, not a link.
        sock = bind(address, port)
    except PortUnavailable as exc:
        raise fail(exc, lang) from None
    try:
        _serve_on(sock, inputs, address, lan, registry, out, limits, reviewer, lang)
    finally:
        sock.close()


def _serve_on(
    sock: socket.socket,
    inputs: list[Path],
    address: str,
    lan: bool,
    registry: str | None,
    out: Path | None,
    limits: tuple[float, int],
    reviewer: str | None,
    lang: Lang,
) -> None:
    import secrets

    from ..normalize import InstitutionMatcher, load_user_institutions
    from ..review.desk import ReviewDesk, reviewed_path
    from ..review.lan import link, qr_terminal, shown_addresses
    from ..review.web import WebSettings, serve
    from ..text import redact_url

    port: int = sock.getsockname()[1]
    results = [p for p in inputs if p.suffix.lower() in (".json", ".jsonl")]
    if out is None:
        out = reviewed_path(results[0]) if len(results) == 1 else Path("certscan-reviewed.jsonl")
    if any(out.resolve() == p.resolve() for p in results):
        raise fail(
            CertscanError(
                f"{out} is a results file under review; "
                "the OCR result is never overwritten, name another --out.",
                f"{out} 是正在复核的识别结果文件，识别结果不会被覆盖：请用 --out 指定另一个文件。",
            ),
            lang,
        )
    max_upload_mb, max_pages = limits
    try:
        # Starts with what `out` already holds; refused while another review writes it.
        desk = ReviewDesk(
            out,
            registry=registry,
            matcher=InstitutionMatcher(extra=load_user_institutions()),
            max_upload_bytes=round(max_upload_mb * 1024 * 1024),
            max_pages=max_pages,
        )
    except CertscanError as exc:
        raise fail(exc.text(lang)) from None
    try:
        for path in inputs:
            if path in results:
                desk.add_results(path)
            else:
                typer.echo(f"certscan: reading {path}", err=True)
                desk.add_image(path)
    except CertscanError as exc:
        desk.close()
        raise fail(exc.text(lang)) from None
    token = secrets.token_urlsafe(18) if lan else None
    links = [link(a, port, token) for a in shown_addresses(address, lan)]
    if not lan:
        typer.echo(f"certscan review: {links[0]}")
    elif links:
        typer.echo(_TO_PHONE[lang])
        for shown in links:
            typer.echo(f"certscan review: {shown}")
            typer.echo(qr_terminal(shown), nl=False)
    else:
        typer.echo(_NO_LAN[lang])
        typer.echo(f"certscan review: {link('127.0.0.1', port, token)}")
    kept = f" ({len(desk.items())} certificate(s) on the desk)" if desk.items() else ""
    typer.echo(f"certscan review: reviewed records go to {out}{kept}, the audit trail to {desk.audit_file}")
    if registry:
        typer.echo(f"certscan review: registry {redact_url(registry)}")
    settings = WebSettings(token=token, lang=lang, reviewer=reviewer, links=tuple(links) if lan else ())
    serve(desk, settings, address, port, sock)
