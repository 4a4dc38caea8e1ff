"""Passwords sent to a charger stay in the frame log only (issue 16, point 10): the headless
text output, the report and a playbook's results show ****; the frame log is exact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from ocpptui.core.configuration import change_configuration
from ocpptui.core.hub import Hub
from ocpptui.headless import frame_line
from ocpptui.protocol.secrets import is_secret_path, masked, masked_frame_text
from ocpptui.services.checklist import ChecklistTarget
from ocpptui.services.report import SiteNotes, commissioning_report, write_report
from tests.helpers import connect_raw
from tests.services.headless_run import run_headless

AUTHORIZATION_KEY = "0123456789abcdef0123456789abcdefSECRET16"
BASIC_AUTH_PASSWORD = "pa55-Word-SECRET201"


def test_one_helper_finds_passwords_wherever_ocpp_carries_them() -> None:
    frames = {
        "ChangeConfiguration": [
            2,
            "1",
            "ChangeConfiguration",
            {"key": "AuthorizationKey", "value": "K1"},
        ],
        "GetConfiguration answer": [
            3,
            "2",
            {"configurationKey": [{"key": "authorizationkey", "readonly": False, "value": "K2"}]},
        ],
        "SetVariables": [
            2,
            "3",
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                        "attributeValue": "K3",
                    },
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                        "attributeValue": "60",
                    },
                ]
            },
        ],
        "NotifyReport": [
            2,
            "4",
            "NotifyReport",
            {
                "reportData": [
                    {
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                        "variableAttribute": [{"type": "Actual", "value": "K4"}],
                    }
                ]
            },
        ],
        "SetNetworkProfile": [
            2,
            "5",
            "SetNetworkProfile",
            {
                "configurationSlot": 1,
                "connectionData": {
                    "basicAuthPassword": "K5",
                    "apn": {"apn": "internet", "apnPassword": "K6"},
                    "vpn": {"server": "v", "user": "u", "password": "K7", "key": "K8"},
                },
            },
        ],
    }
    for name, frame in frames.items():
        text = json.dumps(frame)
        shown = masked_frame_text(text)
        assert "****" in shown, name
        assert not any(f'"K{n}"' in shown for n in range(1, 9)), (name, shown)
    assert '"60"' in masked_frame_text(json.dumps(frames["SetVariables"]))
    assert '"internet"' in masked_frame_text(json.dumps(frames["SetNetworkProfile"]))
    # Playbook results: keys and labels as mapping keys.
    step = {"request": {"AuthorizationKey": "K9", "SecurityCtrlr.BasicAuthPassword": "K10"}}
    assert masked(step) == {
        "request": {"AuthorizationKey": "****", "SecurityCtrlr.BasicAuthPassword": "****"}
    }
    # The command forms type these hidden.
    assert is_secret_path("connectionData.basicAuthPassword")
    assert is_secret_path("connectionData.vpn.key") and not is_secret_path(
        "connectionData.vpn.user"
    )
    plain = [2, "6", "Heartbeat", {}]
    assert masked_frame_text(json.dumps(plain)) == json.dumps(plain)


async def test_headless_lines_and_the_report_mask_the_authorization_key(
    hub: Hub, tmp_path: Path
) -> None:
    charger = await connect_raw(hub, "CP-S")
    await charger.boot_16()
    session = hub.session_for("CP-S")
    assert session is not None

    async def answer() -> None:
        change = await charger.recv_json()
        assert change[2] == "ChangeConfiguration"
        await charger.send_text(json.dumps([3, change[1], {"status": "Accepted"}]))
        read = await charger.recv_json()  # the read-back; this charger echoes the key
        entry = {"key": "AuthorizationKey", "readonly": False, "value": AUTHORIZATION_KEY + "X"}
        await charger.send_text(json.dumps([3, read[1], {"configurationKey": [entry]}]))

    responder = asyncio.create_task(answer())
    result = await change_configuration(session, "AuthorizationKey", AUTHORIZATION_KEY)
    await responder
    assert result.status == "Accepted" and AUTHORIZATION_KEY not in (result.detail or "")

    frames = list(hub.chargers["CP-S"].frames)
    lines = "\n".join(frame_line(frame) for frame in frames)
    assert "ChangeConfiguration" in lines and '"value":"****"' in lines
    assert AUTHORIZATION_KEY not in lines
    # The frame log on disk keeps the exact frames.
    assert session.frame_log.path is not None
    assert AUTHORIZATION_KEY in session.frame_log.path.read_text()

    report = commissioning_report(
        hub.chargers["CP-S"], hub.config, ChecklistTarget(), SiteNotes(), now=hub.clock.wall()
    )
    files = write_report(report, tmp_path / "reports")
    for path in (files.json, files.markdown, files.html):
        text = path.read_text(encoding="utf-8")
        mask = "\\*\\*\\*\\*" if path == files.markdown else "****"  # Markdown-quoted
        assert "AuthorizationKey" in text and mask in text, path.name
        assert AUTHORIZATION_KEY not in text, path.name


PLAYBOOK = f"""
[[step]]
do = "wait_for_charger"
timeout = 10

[[step]]
do = "set_configuration"
values = {{ "SecurityCtrlr.BasicAuthPassword" = "{BASIC_AUTH_PASSWORD}" }}
expect = ["Accepted", "RebootRequired"]
"""


async def test_a_playbook_run_masks_the_basic_auth_password(tmp_path: Path) -> None:
    run = await run_headless(tmp_path, PLAYBOOK, "CP-2", sim={"protocol": "ocpp2.0.1"}, timeout=30)
    assert run.code == 0, run.output
    assert BASIC_AUTH_PASSWORD not in run.results_text and BASIC_AUTH_PASSWORD not in run.output
    step = run.results["steps"][1]
    assert step["request"] == {"SecurityCtrlr.BasicAuthPassword": "****"}
    (log,) = (tmp_path / "sessions").rglob("frames.jsonl")
    assert BASIC_AUTH_PASSWORD in log.read_text()
