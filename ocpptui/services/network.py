"""The laptop's network addresses, for the URL a technician types into the charger."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LocalAddress:
    interface: str
    address: str

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback

    @property
    def is_link_local(self) -> bool:
        return ipaddress.ip_address(self.address).is_link_local


def local_ipv4_addresses(include_loopback: bool = False) -> list[LocalAddress]:
    """IPv4 addresses of the laptop's interfaces, non-loopback first."""
    import ifaddr  # imported here: only the welcome panel and the file server need it

    found: list[LocalAddress] = []
    try:
        adapters = ifaddr.get_adapters()
    except OSError:
        adapters = []
    for adapter in adapters:
        for ip in adapter.ips:
            if not ip.is_IPv4 or not isinstance(ip.ip, str):
                continue
            entry = LocalAddress(adapter.nice_name, ip.ip)
            if entry.is_loopback and not include_loopback:
                continue
            if entry not in found:
                found.append(entry)
    found.sort(key=lambda a: (a.is_loopback, a.is_link_local))
    return found


def charger_urls(host: str, port: int, scheme: str = "ws") -> list[str]:
    """The URLs a charger can be pointed at for a server bound to `host`."""
    if host in ("0.0.0.0", "", "::"):
        addresses = [a.address for a in local_ipv4_addresses()] or ["127.0.0.1"]
    else:
        addresses = [host]
    return [f"{scheme}://{address}:{port}/" for address in addresses]
