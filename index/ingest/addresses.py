"""Which network addresses newsbot may connect to when it fetches a URL.

Only globally routable unicast addresses. An IPv6 address that carries an
IPv4 address inside it (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
`::a.b.c.d`, SIIT `::ffff:0:a.b.c.d`) is judged by that IPv4 address.
Translation and tunnelling prefixes (NAT64, 6to4, Teredo) reach IPv4 hosts
that cannot be judged from here, and deprecated site-local space may be
routed internally: those are refused outright.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from newsbot.index.errors import BlockedURLError, FetchError
from newsbot.index.ingest.special_addresses import special_purpose

_REFUSED_V6 = tuple(
    ipaddress.IPv6Network(prefix)
    for prefix in (
        "64:ff9b::/96",  # NAT64, well-known prefix (RFC 6052)
        "64:ff9b:1::/48",  # NAT64, local-use prefix (RFC 8215)
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
        "fec0::/10",  # site-local, deprecated but still routed on some networks
    )
)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the plain forms."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    packed = ip.packed
    if packed[:12] == bytes(12):  # ::a.b.c.d (and :: and ::1, which judge as not public)
        return ipaddress.IPv4Address(packed[12:])
    if packed[:12] == bytes(8) + b"\xff\xff\x00\x00":  # ::ffff:0:a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    return None


def is_public_address(address: str) -> bool:
    """Globally routable unicast: not loopback, private, link-local, CGNAT, multicast..."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            return _is_public_ip(inner)
        if any(ip in network for network in _REFUSED_V6):
            return False
    return _is_public_ip(ip)


def _is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Public by IANA's registries as written down here, and by the running Python's
    tables too: either saying no is enough."""
    special = special_purpose(ip)
    if special is not None and not special[1]:
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


def resolve(host: str, port: int, *, address_allowed: Callable[[str], bool], origin: str) -> str:
    """The address to connect to: every address of the host must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{host} does not resolve (DNS failure).", origin=origin) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"{host} does not resolve (DNS failure).", origin=origin)
    for address in addresses:
        if not address_allowed(address):
            raise BlockedURLError(
                f"{host} resolves to {address}, which is not a public address; refused.",
                origin=origin,
            )
    return addresses[0]
