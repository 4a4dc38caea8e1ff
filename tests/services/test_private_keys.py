"""Private keys are 0600 from their first byte, in 0700 folders (issue 16, point 10).

`chmod` is disabled while they are made: a key that is only chmod-ed after being written
(0644 for a moment under the usual umask) shows up as 0644 here.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocpptui import cli
from ocpptui.services.file_server.sftp import load_host_keys
from ocpptui.services.private_files import write_private_file
from ocpptui.services.tls import TlsFiles, ensure_certificates, server_context

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A umask of 022 and no chmod: files and folders keep the mode they were created with."""
    previous = os.umask(0o022)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    monkeypatch.setattr(Path, "chmod", lambda *args, **kwargs: None)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_certs_command_creates_keys_0600_in_a_0700_folder(
    tmp_path: Path, no_chmod: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["certs", "--name", "127.0.0.1"]) == 0
    folder = tmp_path / "home" / "data" / "tls"  # OCPP_TUI_HOME is tmp_path/home (conftest)
    assert str(folder) in capsys.readouterr().out
    files = TlsFiles.in_folder(folder)
    assert _mode(folder) == 0o700
    assert _mode(files.ca_key) == 0o600 and _mode(files.server_key) == 0o600
    assert _mode(files.ca_cert) == 0o644  # certificates are public
    # A renewal replaces the key, still private; the files still make a working context.
    assert cli.main(["certs", "--renew"]) == 0
    assert _mode(files.server_key) == 0o600
    server_context(files.server_cert, files.server_key)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_sftp_host_keys_are_created_0600_in_a_0700_folder(tmp_path: Path, no_chmod: None) -> None:
    folder = tmp_path / "ssh"
    keys = load_host_keys(folder)
    assert len(keys) == 2
    assert _mode(folder) == 0o700
    for name in ("ssh_host_ed25519_key", "ssh_host_rsa_key"):
        assert _mode(folder / name) == 0o600
    # Read back as the same keys on the next start.
    again = load_host_keys(folder)
    assert [k.export_public_key() for k in again] == [k.export_public_key() for k in keys]


def test_an_existing_open_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    ensure_certificates(folder, ["127.0.0.1"])
    assert _mode(folder) == 0o700
    write_private_file(folder / "other-key.pem", b"x")
    assert _mode(folder / "other-key.pem") == 0o600
