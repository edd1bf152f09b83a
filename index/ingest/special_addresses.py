"""IANA's special-purpose address registries, written down, so that the address check
does not depend on how recent the running Python's `ipaddress` tables are.

Transcribed on 2026-12-04 from the IANA IPv4 Special-Purpose Address Registry
(RFC 6890, RFC 8190 and the entries registered since, through the deprecation of
6to4 relay anycast, RFC 7526) and the IANA IPv6 Special-Purpose Address Registry
(as updated 2025-10-09: through 3fff::/20, RFC 9637, and 5f00::/16, RFC 9602).
Python 3.11's tables, for one, miss 192.0.0.8, 192.88.99.0/24 and 3fff::/20.

Each entry is (block, name, globally reachable). The registries' rule is the most
specific block's: 192.0.0.9 (PCP anycast) is reachable inside the unreachable
192.0.0.0/24. "N/A" in the registry (Teredo, 6to4) is written as not reachable:
what such an address reaches cannot be judged from here. Multicast is its own
registry and is refused by the caller.
"""

from __future__ import annotations

import ipaddress
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

IPV4: tuple[tuple[str, str, bool], ...] = (
    ("0.0.0.0/8", '"This network"', False),
    ("0.0.0.0/32", '"This host on this network"', False),
    ("10.0.0.0/8", "Private-Use", False),
    ("100.64.0.0/10", "Shared Address Space", False),
    ("127.0.0.0/8", "Loopback", False),
    ("169.254.0.0/16", "Link Local", False),
    ("172.16.0.0/12", "Private-Use", False),
    ("192.0.0.0/24", "IETF Protocol Assignments", False),
    ("192.0.0.0/29", "IPv4 Service Continuity Prefix", False),
    ("192.0.0.8/32", "IPv4 dummy address", False),
    ("192.0.0.9/32", "Port Control Protocol Anycast", True),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", True),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery", False),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery", False),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)", False),
    ("192.31.196.0/24", "AS112-v4", True),
    ("192.52.193.0/24", "AMT", True),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", False),
    ("192.168.0.0/16", "Private-Use", False),
    ("192.175.48.0/24", "Direct Delegation AS112 Service", True),
    ("198.18.0.0/15", "Benchmarking", False),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)", False),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)", False),
    ("240.0.0.0/4", "Reserved", False),
    ("255.255.255.255/32", "Limited Broadcast", False),
)

IPV6: tuple[tuple[str, str, bool], ...] = (
    ("::1/128", "Loopback Address", False),
    ("::/128", "Unspecified Address", False),
    ("::ffff:0:0/96", "IPv4-mapped Address", False),
    ("64:ff9b::/96", "IPv4-IPv6 Translat.", True),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translat.", False),
    ("100::/64", "Discard-Only Address Block", False),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix", False),
    ("2001::/23", "IETF Protocol Assignments", False),
    ("2001::/32", "TEREDO", False),
    ("2001:1::1/128", "Port Control Protocol Anycast", True),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast", True),
    ("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", True),
    ("2001:2::/48", "Benchmarking", False),
    ("2001:3::/32", "AMT", True),
    ("2001:4:112::/48", "AS112-v6", True),
    ("2001:10::/28", "Deprecated (previously ORCHID)", False),
    ("2001:20::/28", "ORCHIDv2", True),
    ("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", True),
    ("2001:db8::/32", "Documentation", False),
    ("2002::/16", "6to4", False),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service", True),
    ("3fff::/20", "Documentation", False),
    ("5f00::/16", "Segment Routing (SRv6) SIDs", False),
    ("fc00::/7", "Unique-Local", False),
    ("fe80::/10", "Link-Local Unicast", False),
)


@cache
def _table() -> tuple[tuple[Network, str, bool], ...]:
    """Every block, most specific first, so the first match is the registry's answer."""
    rows = [(ipaddress.ip_network(block), name, ok) for block, name, ok in IPV4 + IPV6]
    return tuple(sorted(rows, key=lambda row: -row[0].prefixlen))


def special_purpose(ip: Address) -> tuple[str, bool] | None:
    """(name, globally reachable) of the most specific registered block holding `ip`,
    or None when it is in no special-purpose block."""
    for network, name, reachable in _table():
        if network.version == ip.version and ip in network:
            return name, reachable
    return None
