"""Which laptop address goes into a firmware or log URL: the one the charger already reached.

A laptop has several addresses (Wi-Fi, Ethernet, the hotspot it opened for the charger,
loopback); the charger can reach only some of them. Its OCPP connection came in on one, so
that one goes into the URL (`url_host_for`), unless the technician set `[files]
advertise_host`. Links without an address (serial, BLE) fall back to the address nearest the
charger's, or to the file server's own default (`best_address`). The TUI, `ocpp-tui run` and
the proxy all use these, through the transfer jobs.
"""

from __future__ import annotations

import ipaddress

from ocpptui.core.session import Session
from ocpptui.services.network import LocalAddress, local_ipv4_addresses


def peer_host(peer: str | None) -> str | None:
    """The IP address part of `10.0.0.8:51234` or `[fe80::1]:5`; None when it is not one."""
    if not peer:
        return None
    if peer.startswith("["):
        host = peer[1:].split("]", 1)[0]
    else:
        host = peer.rsplit(":", 1)[0] if peer.count(":") == 1 else peer
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    # A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; the URL wants a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped) if mapped is not None else host


def connection_host(session: Session | None) -> str | None:
    """The laptop's address on the charger's own connection (None for serial, BLE, ...)."""
    if session is None:
        return None
    host = peer_host(session.transport.info.local)
    if host is None or ipaddress.ip_address(host).is_unspecified:
        return None
    return host


def url_host_for(session: Session | None, configured: str | None) -> str | None:
    """The host for a transfer URL: `[files] advertise_host` when set, else the address the
    charger's connection came in on; None when neither is known."""
    if configured:
        return configured
    return connection_host(session)


def address_choices(bind_host: str = "0.0.0.0") -> list[LocalAddress]:
    """The laptop's IPv4 addresses a charger could reach the file server on, loopback last.

    A file server bound to one address (`--host 127.0.0.1`, `[files] bind_host`) answers on
    that one only: offering the others would hand the charger a URL nobody listens on.
    """
    addresses = local_ipv4_addresses(include_loopback=True)
    if _listens_everywhere(bind_host):
        return addresses
    bound = [address for address in addresses if address.address == bind_host]
    return bound or [LocalAddress("bound", bind_host)]


def _listens_everywhere(bind_host: str) -> bool:
    try:
        return not bind_host or ipaddress.ip_address(bind_host).is_unspecified
    except ValueError:  # a host name: the system decides where it listens
        return True


def best_address(peer: str | None, addresses: list[LocalAddress]) -> str | None:
    """For a link without a local address: the laptop address nearest the charger's."""
    if not addresses:
        return None
    host = peer_host(peer)
    if host is None:
        return addresses[0].address
    charger = ipaddress.ip_address(host)
    if charger.is_loopback:
        loopback = [a for a in addresses if a.is_loopback]
        return loopback[0].address if loopback else addresses[0].address
    if charger.version != 4:
        return addresses[0].address

    def shared_bits(address: LocalAddress) -> int:
        ours = int(ipaddress.IPv4Address(address.address))
        return 32 - (ours ^ int(charger)).bit_length()

    return max(addresses, key=shared_bits).address


def default_address(
    session: Session | None, configured: str, addresses: list[LocalAddress]
) -> str | None:
    """What the transfer forms pre-select: `url_host_for`, else the nearest address."""
    peer = session.transport.info.peer if session is not None else None
    return url_host_for(session, configured) or best_address(peer, addresses)
