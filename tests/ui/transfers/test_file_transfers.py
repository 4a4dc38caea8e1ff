"""The pure helpers behind the transfer forms: dates, firewall text (the protocol choice and
the address are the services' own: tests/services/test_transfer_schemes.py, _address.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from ocpptui.app.file_transfers import byte_size, firewall_text, parse_count, parse_moment
from ocpptui.services.file_server import BoundPorts
from ocpptui.services.transfer_schemes import served_schemes
from ocpptui.settings.model import FileServerSettings

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
    assert served_schemes(None, settings=settings) == ("http", "ftp")
    settings.sftp = True
    assert served_schemes(None, settings=settings) == ("http", "ftp", "sftp")
