"""The settings of issue 16's caps and limits: read from the file into what the hub, the
server and the file server use, with out-of-range values refused by key and line."""

from __future__ import annotations

import pytest

from ocpptui.services.file_hosting import create_file_server
from ocpptui.services.security_setup import apply_security
from ocpptui.settings.model import SettingsError
from ocpptui.settings.reader import parse_settings

SETTINGS = """\
[server]
max_connections = 300
max_connections_per_ip = 4
[files]
bind_host = "127.0.0.1"
max_connections = 32
max_connections_per_ip = 2
request_timeout = 5
idle_timeout = 60
[security]
certificate_organisation = "Example CPO"
auth_backoff_max = 3
[logs]
max_open_files = 50
[ui]
frames_in_memory_mb = 64
large_frame_kb = 16
"""


def test_the_caps_and_limits_are_read_into_what_uses_them(tmp_path) -> None:
    settings = parse_settings(SETTINGS)
    csms = settings.csms
    assert (csms.max_connections, csms.max_connections_per_ip) == (300, 4)
    assert csms.frames_in_memory_bytes == 64 << 20 and csms.large_frame_chars == 16 << 10
    assert csms.max_open_log_files == 50
    apply_security(csms, settings.security, tmp_path)
    assert csms.auth.backoff_max == 3
    server = create_file_server(settings.files, tmp_path, server_host="0.0.0.0")
    assert server.bind_host == "127.0.0.1"
    limits = server.limits
    assert (limits.max_connections, limits.max_connections_per_ip) == (32, 2)
    assert (limits.request_timeout, limits.idle_timeout) == (5, 60)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[server]\nmax_connections = -1\n", "settings:2: [server] max_connections"),
        ("[files]\nrequest_timeout = 0\n", "settings:2: [files] request_timeout"),
        ("[security]\nauth_backoff_max = 600\n", "settings:2: [security] auth_backoff_max"),
        ("[ui]\nframes_in_memory_mb = 1\n", "settings:2: [ui] frames_in_memory_mb"),
    ],
)
def test_out_of_range_values_name_key_and_line(text: str, where: str) -> None:
    with pytest.raises(SettingsError, match=where.replace("[", r"\[").replace("]", r"\]")):
        parse_settings(text)
