"""Pure helpers: upload file names, offered names, and request-path parsing."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from ocpptui.services.file_server.names import (
    MAX_NAME_BYTES,
    create_unique_file,
    safe_upload_name,
    url_file_name,
)
from ocpptui.services.file_server.request_paths import (
    PathRefused,
    Target,
    ftp_directory,
    ftp_target,
    http_target,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("diag.zip", "diag.zip"),
        ("/var/log/diag.tar.gz", "diag.tar.gz"),
        ("C:\\logs\\diag.zip", "diag.zip"),
        ("../../etc/passwd", "passwd"),
        ("..", "fallback.bin"),
        ("", "fallback.bin"),
        (None, "fallback.bin"),
        ("evil\x00\n\x1b[31m.txt", "evil[31m.txt"),
        ('a:b*c?d<e>f|g"h.log', "a_b_c_d_e_f_g_h.log"),
        ("nul.txt", "_nul.txt"),
        ("COM1", "_COM1"),
        ("trailing. ", "trailing"),
        ("Prüfprotokoll.pdf", "Prüfprotokoll.pdf"),
    ],
)
def test_safe_upload_name(raw: str | None, expected: str) -> None:
    assert safe_upload_name(raw, "fallback.bin") == expected


def test_long_names_are_capped_keeping_the_extension() -> None:
    name = safe_upload_name("é" * 200 + ".tar.gz", "x")
    assert len(name.encode()) <= MAX_NAME_BYTES and name.endswith(".gz")
    assert url_file_name("a" * 500 + ".bin") == "a" * (MAX_NAME_BYTES - 4) + ".bin"


def test_unique_files_never_overwrite(tmp_path: Path) -> None:
    paths = [create_unique_file(tmp_path, "diag.tar.gz") for _ in range(3)]
    assert [p.name for p in paths] == ["diag.tar.gz", "diag-1.tar.gz", "diag-2.tar.gz"]
    assert create_unique_file(tmp_path, "README").name == "README"
    assert create_unique_file(tmp_path, "README").name == "README-1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/tok/fw.bin", Target("tok", "fw.bin")),
        ("/tok/fw%20v2.bin?x=1", Target("tok", "fw v2.bin")),
        ("/tok/", Target("tok", None)),
        ("/tok", Target("tok", None)),
        ("http://host:8080/tok/fw.bin", Target("tok", "fw.bin")),
    ],
)
def test_http_targets(raw: str, expected: Target) -> None:
    assert http_target(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "*",
        "/",
        "//tok/x",
        "/tok//x",
        "/tok/a/b",
        "/tok/..",
        "/tok/.",
        "/tok/%2e",
        "/tok%2fx",
        "/tok/%5c",
        "/tok\\x",
        "/tok/%00",
        "/tok/%0a",
        "/tok/%c3",
    ],
)
def test_http_tricks_are_refused(raw: str) -> None:
    with pytest.raises(PathRefused):
        http_target(raw)


def test_ftp_targets_and_directories() -> None:
    root, token_dir = PurePosixPath("/"), PurePosixPath("/tok")
    assert ftp_target(root, "/tok/fw.bin") == Target("tok", "fw.bin")
    assert ftp_target(root, "tok/fw.bin") == Target("tok", "fw.bin")
    assert ftp_target(token_dir, "fw.bin") == Target("tok", "fw.bin")
    assert ftp_target(token_dir, "") == Target("tok", None)
    for bad in ("../x", "/tok/../tok/fw.bin", "a\\b", "/tok/a/b", "x\x00"):
        with pytest.raises(PathRefused):
            ftp_target(token_dir, bad)
    assert ftp_directory(token_dir, "..") == root
    assert ftp_directory(root, "/tok/../other/./") == PurePosixPath("/other")
    assert ftp_directory(root, "../../..") == root
