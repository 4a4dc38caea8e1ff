"""Which laptop address goes into a transfer URL: the one the charger's connection came in on."""

from __future__ import annotations

from ocpptui.core.hub import Hub
from ocpptui.services.network import LocalAddress
from ocpptui.services.transfer_address import (
    best_address,
    default_address,
    peer_host,
    url_host_for,
)
from tests.helpers import connect_raw, wait_for


async def test_the_address_the_charger_reached_goes_into_the_url(hub: Hub) -> None:
    charger = await connect_raw(hub, "CP-ADDR")
    try:
        await charger.boot_16()
        await wait_for(lambda: hub.session_for("CP-ADDR") is not None)
        session = hub.session_for("CP-ADDR")
        assert session.transport.info.local.startswith("127.0.0.1:")
        assert url_host_for(session, None) == "127.0.0.1"
        assert url_host_for(session, "192.0.2.50") == "192.0.2.50"  # [files] advertise_host
        others = [LocalAddress("eth0", "192.0.2.2"), LocalAddress("lo", "127.0.0.1")]
        assert default_address(session, "", others) == "127.0.0.1"
    finally:
        await charger.connection.close()


def test_links_without_an_address_use_the_one_nearest_the_charger() -> None:
    addresses = [
        LocalAddress("wlan0", "10.1.2.3"),
        LocalAddress("eth0", "192.168.8.20"),
        LocalAddress("lo", "127.0.0.1"),
    ]
    assert best_address("192.168.8.101:50123", addresses) == "192.168.8.20"
    assert best_address("10.1.9.9:4000", addresses) == "10.1.2.3"
    assert best_address("127.0.0.1:4000", addresses) == "127.0.0.1"
    assert best_address("pty /dev/ttyUSB0", addresses) == "10.1.2.3"
    assert default_address(None, "172.16.0.1", addresses) == "172.16.0.1"
    assert peer_host("[fe80::1]:9000") == "fe80::1" and peer_host("1.2.3.4:80") == "1.2.3.4"
    assert peer_host("[::ffff:10.0.0.7]:5") == "10.0.0.7" and peer_host("/dev/ttyUSB0") is None
