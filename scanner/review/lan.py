"""Reaching the review page from a phone: the addresses other machines can open it by, the links with
the access token, their QR codes, and the listening socket bound before anything is announced.

The addresses come from the network interfaces (psutil), never from the host name: Debian maps the
host name to 127.0.0.1, which a phone cannot open. Loopback and link-local addresses and interfaces
that are down are left out; what is left is what a phone on the same network may reach. The QR codes
(segno) are ordinary QR codes, never Micro QR, which phone cameras do not read.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import CertscanError

# The wildcard addresses: serving on one of them listens on every interface of its family.
WILDCARDS = frozenset({"0.0.0.0", "::"})
# Scaled so a phone held at arm's length reads it off a laptop screen; the quiet zone is the
# standard's four modules.
_SVG_SCALE = 6


class PortUnavailable(CertscanError):
    """The address and port the page should listen on cannot be bound (in use, or not this machine's)."""

    def __init__(self, host: str, port: int, in_use: bool) -> None:
        self.host, self.port, self.in_use = host, port, in_use
        if in_use:
            super().__init__(
                f"port {port} is already in use (another certscan review?): "
                "stop that program or choose another port with --port.",
                f"端口{port}已被占用（可能另一个 certscan review 正在运行）：请先停止它，"
                "或用 --port 换一个端口。",
            )
        else:
            super().__init__(
                f"cannot listen on {host} port {port}: the address is not one of this machine's "
                "or the port is not allowed; choose another --host or --port.",
                f"无法在{host}的端口{port}上监听：该地址不属于本机或该端口不允许使用，"
                "请换一个 --host 或 --port。",
            )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host and port, or `PortUnavailable`: checked before the page is
    announced, so a port in use is one sentence instead of a link that leads nowhere. On "::" the
    socket also takes IPv4 where the system allows it. Port 0 picks a free port (`getsockname`)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:
        raise PortUnavailable(host, port, in_use=False) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restart need not wait for the old connections' TIME_WAIT to end.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "::":
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise PortUnavailable(host, port, in_use=exc.errno == errno.EADDRINUSE) from None
    return sock


def reachable_addresses(
    addresses: Mapping[str, Iterable[Any]], up: Mapping[str, bool], ipv6: bool = False
) -> list[str]:
    """The addresses another machine may open the page by, from what psutil reports: `addresses`
    as `net_if_addrs()` (objects with `family` and `address`), `up` whether each interface is up.
    Loopback and link-local addresses and interfaces that are down are left out; IPv6 addresses
    only when the server listens on IPv6 too."""
    families = {socket.AF_INET, socket.AF_INET6} if ipv6 else {socket.AF_INET}
    found: list[str] = []
    for interface, entries in addresses.items():
        if not up.get(interface, False):
            continue
        for entry in entries:
            if entry.family not in families:
                continue
            try:
                ip = ipaddress.ip_address(str(entry.address).split("%", 1)[0])
            except ValueError:
                continue
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
                continue
            if str(ip) not in found:
                found.append(str(ip))
    return found


def lan_addresses(ipv6: bool = False) -> list[str]:
    """This machine's addresses on its networks, from its interfaces (no traffic is sent)."""
    import psutil

    stats = psutil.net_if_stats()
    return reachable_addresses(psutil.net_if_addrs(), {name: s.isup for name, s in stats.items()}, ipv6)


def shown_addresses(host: str, lan: bool) -> list[str]:
    """The addresses the links name: the LAN addresses when listening on every interface in LAN
    mode (empty when there is none), else the address listened on."""
    if lan and host in WILDCARDS:
        return lan_addresses(ipv6=host == "::")
    return [host]


def link(address: str, port: int, token: str | None) -> str:
    """The page's address, with the access token when there is one (IPv6 in brackets)."""
    name = f"[{address}]" if ":" in address else address
    return f"http://{name}:{port}/" + (f"?token={token}" if token else "")


def qr_terminal(text: str) -> str:
    """The QR code of `text` drawn with block characters, two modules a line (segno's compact
    terminal output), for a phone to scan off the terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make_qr(text).terminal(out, compact=True)
    return out.getvalue()


def qr_svg(text: str) -> str:
    """The QR code of `text` as a standalone SVG document."""
    import io

    import segno

    out = io.BytesIO()
    segno.make_qr(text).save(out, kind="svg", scale=_SVG_SCALE, xmldecl=False)
    return out.getvalue().decode("utf-8")


def share_link(links: Sequence[str], host: str | None) -> str | None:
    """The link a second phone should open: the one by the address this request came in on when it
    is one of the LAN links (that address is reachable from the viewer's network), else the first."""
    for candidate in links:
        if host and urlsplit(candidate).netloc == host:
            return candidate
    return links[0] if links else None


def qr_router(links: Sequence[str]) -> APIRouter:
    """GET /api/qr.svg: the QR code of the LAN link with the token, for a second phone. It is served
    behind the same token as every other request (the application's guard), and only in LAN mode
    with at least one LAN address (`links` not empty)."""
    router = APIRouter()

    @router.get("/api/qr.svg")
    def qr(request: Request) -> Response:
        shared = share_link(links, request.headers.get("host")) or links[0]
        # The token is inside the picture: no cache may keep it.
        return Response(qr_svg(shared), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    return router
