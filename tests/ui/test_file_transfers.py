"""The pure helpers behind the transfer forms: dates, protocols, addresses, firewall text."""

from __future__ import annotations

import datetime as dt

import pytest

from ocpptui.file_transfers import (
    available_schemes,
    best_address,
    byte_size,
    firewall_text,
    parse_count,
    parse_moment,
    peer_host,
    preferred_scheme,
    scheme_warning,
)
from ocpptui.services.file_server import BoundPorts
from ocpptui.services.network import LocalAddress
from ocpptui.settings import FileServerSettings

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_dates_typed_by_the_technician() -> None:
    assert parse_moment("", NOW) is None and parse_moment(" now ", NOW) is None
    assert parse_moment("+15m", NOW) == NOW + dt.timedelta(minutes=15)
    assert parse_moment("-2h", NOW) == NOW - dt.timedelta(hours=2)
    assert parse_moment("2026-11-25T14:30Z", NOW) == dt.datetime(
        2026, 11, 25, 14, 30, tzinfo=dt.UTC
    )
    local = parse_moment("14:30", NOW)
    assert local is not None and local.tzinfo is not None
    assert (local.hour, local.minute) == (14, 30)
    with pytest.raises(ValueError, match="not a date"):
        parse_moment("tomorrow-ish", NOW)
    assert parse_count(" 3 ", "Retries") == 3 and parse_count("", "Retries") is None
    with pytest.raises(ValueError, match="whole number"):
        parse_count("-1", "Retries")


def test_protocol_preselection_and_warning() -> None:
    assert preferred_scheme(["FTP", "HTTP"], ("http", "ftp")) == "http"
    assert preferred_scheme(["FTP"], ("http", "ftp")) == "ftp"
    assert preferred_scheme(["HTTPS"], ("http", "ftp")) == "http"  # not served: plain default
    assert preferred_scheme(None, ("http", "ftp")) == "http"
    assert scheme_warning("http", ["FTP", "HTTP"]) is None
    assert "not HTTP" in (scheme_warning("http", ["FTP"]) or "")
    assert "not been read" in (scheme_warning("ftp", None) or "")


def test_the_address_nearest_the_charger_goes_into_the_url() -> None:
    addresses = [
        LocalAddress("wlan0", "10.1.2.3"),
        LocalAddress("eth0", "192.168.8.20"),
        LocalAddress("lo", "127.0.0.1"),
    ]
    assert best_address("192.168.8.101:50123", addresses, "") == "192.168.8.20"
    assert best_address("10.1.9.9:4000", addresses, "") == "10.1.2.3"
    assert best_address("127.0.0.1:4000", addresses, "") == "127.0.0.1"
    assert best_address("192.168.8.101:1", addresses, "172.16.0.1") == "172.16.0.1"
    assert best_address("pty /dev/ttyUSB0", addresses, "") == "10.1.2.3"
    assert peer_host("[fe80::1]:9000") == "fe80::1" and peer_host("1.2.3.4:80") == "1.2.3.4"


def test_firewall_ports_per_protocol() -> None:
    settings = FileServerSettings()
    ports = BoundPorts(8080, None, 2121, tuple(range(30000, 30010)))
    assert firewall_text(ports, "http", settings) == "TCP 8080 (HTTP)"
    assert firewall_text(ports, "ftp", settings) == "TCP 2121 (FTP) and TCP 30000-30009 (FTP data)"
    assert "not set up" in firewall_text(ports, "https", settings)
    assert firewall_text(None, "ftp", settings) == "TCP 2121 (FTP) and TCP 30000-30009 (FTP data)"
    assert byte_size(812) == "812 B" and byte_size(3_000_020) == "3.0 MB"
    assert "sftp = true" in firewall_text(ports, "sftp", settings)
    assert (
        firewall_text(BoundPorts(1, None, 2, (), sftp=2222), "sftp", settings) == "TCP 2222 (SFTP)"
    )
    assert available_schemes(None, settings) == ("http", "ftp")
    settings.sftp = True
    assert available_schemes(None, settings) == ("http", "ftp", "sftp")
