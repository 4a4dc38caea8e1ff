"""Site sheets (issue 20, point 1): site.toml and CSV read strictly, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpptui.services.site_sheet import SiteSheetError, load_sheet

PROFILE = '[profile]\nname = "car-park"\n[ocpp16]\nMeterValueSampleInterval = 30\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "car-park.toml").write_text(PROFILE)
    (tmp_path / "fw-1.4.2.bin").write_bytes(b"SIMFW version=1.4.2\n")
    return tmp_path


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_sheet_reads_site_and_chargers_with_files_relative_to_it(folder: Path) -> None:
    path = _write(
        folder,
        "site.toml",
        '[site]\nname = "Car park A"\ntimeout = 900\nparallel = 3\ninstaller = "Ann"\n\n'
        '[[charger]]\nidentity = "CP-A1"\nlocation = "Bay 1"\nprofile = "car-park.toml"\n'
        'target_firmware = "1.4.2"\nfirmware = "fw-1.4.2.bin"\n\n'
        '[[charger]]\nidentity = "CP-A2"\n',
    )
    sheet = load_sheet(path)
    assert (sheet.name, sheet.timeout, sheet.parallel, sheet.installer) == (
        "Car park A",
        900.0,
        3,
        "Ann",
    )
    first, second = sheet.chargers
    assert (first.identity, first.location, first.line) == ("CP-A1", "Bay 1", 7)
    assert first.profile == folder / "car-park.toml"
    assert first.firmware == folder / "fw-1.4.2.bin"
    assert sheet.profile_for(first).name == "car-park"
    assert first.values() == {
        "identity": "CP-A1",
        "location": "Bay 1",
        "profile": str(folder / "car-park.toml"),
        "target_firmware": "1.4.2",
        "firmware": str(folder / "fw-1.4.2.bin"),
    }
    # A value the sheet does not give is absent (a step that uses it is skipped).
    assert second.values() == {"identity": "CP-A2", "location": ""}


def test_csv_sheet_from_a_spreadsheet_semicolons_and_byte_order_mark(folder: Path) -> None:
    path = folder / "site.csv"
    path.write_bytes(
        "\ufeffidentity;location;profile;target_firmware\n"
        "CP-B1;Bay 1;car-park.toml;1.4.2\n"
        "\n"
        "CP-B2;Bay 2;;\n".encode()
    )
    sheet = load_sheet(path)
    assert sheet.name == "site"
    assert [(c.identity, c.location, c.line) for c in sheet.chargers] == [
        ("CP-B1", "Bay 1", 2),
        ("CP-B2", "Bay 2", 4),
    ]
    assert sheet.chargers[1].profile is None and sheet.chargers[1].target_firmware is None


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "site.toml",
            '[[charger]]\nidentity = "CP-1"\n\n[[charger]]\nidentity = "CP-1"\n',
            "site.toml:5: duplicate identity 'CP-1' (also on line 2)",
        ),
        (
            "site.toml",
            '[[charger]]\nidentity = "CP-1"\nfirmware = "missing.bin"\n',
            "site.toml:3: firmware: no such file: ",
        ),
        (
            "site.toml",
            '[[charger]]\nidentity = "CP-1"\nlocaton = "Bay 1"\n',
            "site.toml:3: [[charger]] locaton: unknown key; did you mean location?",
        ),
        (
            "site.toml",
            '[site]\nname = "A"\ntimout = 60\n\n[[charger]]\nidentity = "CP-1"\n',
            "site.toml:3: [site] timout: unknown key; did you mean timeout?",
        ),
        (
            "site.toml",
            '[[charger]]\nidentity = "CP-1"\ntarget_firmware = 1.42\n',
            'site.toml:3: target_firmware must be a string (quote it: "1.4.2"), got 1.42',
        ),
        (
            "site.toml",
            '[site]\ntimeout = "soon"\n[[charger]]\nidentity = "CP-1"\n',
            "site.toml:2: [site] timeout must be a number of seconds",
        ),
        (
            "site.toml",
            '[[chargers]]\nidentity = "CP-1"\n',
            "site.toml:1: unknown table 'chargers'; did you mean [[charger]]?",
        ),
        (
            "site.toml",
            '[[charger]]\nidentity = "CP/1"\n',
            "site.toml:2: 'CP/1' cannot be a charger's identity",
        ),
        ("site.toml", '[site]\nname = "A"\n', "site.toml: no chargers"),
        (
            "site.csv",
            "identity,locaton\nCP-1,Bay 1\n",
            "site.csv:1: unknown column 'locaton'; did you mean location?",
        ),
        (
            "site.csv",
            "identity,location\nCP-1,Bay 1\nCP-2,Bay 2\nCP-1,Bay 3\n",
            "site.csv:4: duplicate identity 'CP-1' (also on line 2)",
        ),
        (
            "site.csv",
            "identity,profile\nCP-1,nowhere.toml\n",
            "site.csv:2: profile: no such file: ",
        ),
        ("site.csv", "location\nBay 1\n", "site.csv:1: no identity column"),
        (
            "site.csv",
            "identity,location\nCP-1,Bay 1,extra\n",
            "site.csv:2: 3 cells but the header names 2 columns",
        ),
    ],
)
def test_wrong_sheets_name_file_line_and_reason(
    folder: Path, name: str, text: str, message: str
) -> None:
    path = _write(folder, name, text)
    with pytest.raises(SiteSheetError) as error:
        load_sheet(path)
    assert str(error.value).startswith(f"{folder / message}"), str(error.value)


def test_a_profile_that_does_not_load_is_a_sheet_error_on_its_line(folder: Path) -> None:
    _write(folder, "broken.toml", "[ocpp16]\n")
    path = _write(folder, "site.toml", '[[charger]]\nidentity = "CP-1"\nprofile = "broken.toml"\n')
    with pytest.raises(SiteSheetError, match=r"site\.toml:3: profile does not load: .*no \["):
        load_sheet(path)


def test_a_sheet_that_is_not_text_is_refused(folder: Path) -> None:
    path = folder / "site.toml"
    path.write_bytes(b'[[charger]]\nidentity = "CP-\xff"\n')
    with pytest.raises(SiteSheetError, match=r"site\.toml:2: not UTF-8 text \(byte 0xff\)"):
        load_sheet(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # the byte is named past a BOM too
    with pytest.raises(SiteSheetError, match=r"site\.toml:2: not UTF-8 text \(byte 0xff\)"):
        load_sheet(path)
