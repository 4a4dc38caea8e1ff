"""Frame logs written for tests: ocpp-tui JSONL records generated fast, without a hub."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

START = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC).timestamp()
SESSION = "20240501-100000_{identity}_abc123"


def write_jsonl_log(path: Path, exchanges: int, *, identity: str = "CP-BIG") -> int:
    """`exchanges` Heartbeat / StatusNotification CALLs with their answers; returns frames.

    Every 10th exchange is a StatusNotification (so filters have something to find); each
    answer comes 5 ms after its CALL; exchanges are one second apart. The records are the
    ones FrameLog writes, put together as text: json.dumps per line is too slow for the
    hundreds of thousands of lines the big-file tests want.
    """
    session = SESSION.format(identity=identity)
    common = f'"identity": "{identity}", "session": "{session}"'
    tail = '"error_code": null, "problem": null, "violations": [], "flags": []}\n'
    status = '{\\"connectorId\\":1,\\"errorCode\\":\\"NoError\\",\\"status\\":\\"Available\\"}'
    days = [
        time.strftime("%Y-%m-%d", time.gmtime(START + day * 86_400))
        for day in range(exchanges // 86_400 + 2)
    ]
    lines: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for index in range(exchanges):
            day, second = divmod(36_000 + index, 86_400)  # START is 10:00:00
            hours, rest = divmod(second, 3600)
            stamp = f"{days[day]}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
            if index % 10 == 9:
                action, payload, answer = "StatusNotification", status, "{}"
            else:
                action, payload = "Heartbeat", "{}"
                answer = f'{{\\"currentTime\\":\\"{stamp}.000Z\\"}}'
            seq = 2 * index + 1
            lines.append(
                f'{{"seq": {seq}, "time": "{stamp}.000+00:00", "mono": {index}, {common}, '
                f'"dir": "in", "type": 2, "id": "m{index}", "action": "{action}", '
                f'"raw": "[2,\\"m{index}\\",\\"{action}\\",{payload}]", "request_seq": null, '
                f'"latency_ms": null, {tail}'
                f'{{"seq": {seq + 1}, "time": "{stamp}.005+00:00", "mono": {index}.005, {common}, '
                f'"dir": "out", "type": 3, "id": "m{index}", "action": "{action}", '
                f'"raw": "[3,\\"m{index}\\",{answer}]", "request_seq": {seq}, '
                f'"latency_ms": 5.0, {tail}'
            )
            if len(lines) >= 4096:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)
    return 2 * exchanges


# Other tools' logs, as they write them (one charger, CP-7, booting and being asked for its
# configuration, plus lines of their own that carry no frame, and one broken frame line).

#: Home Assistant's `home-assistant.log` with the OCPP integration: the `ocpp` package logs
#: "<id>: receive message <frame>" and "<id>: send <frame>".
HOME_ASSISTANT_LOG = """\
2024-07-09 12:03:20.001 INFO (MainThread) [homeassistant.setup] Setting up ocpp
2024-07-09 12:03:23.123 INFO (MainThread) [ocpp] CP-7: receive message [2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]
2024-07-09 12:03:23.130 INFO (MainThread) [ocpp] CP-7: send [3,"b1",{"currentTime":"2024-07-09T12:03:23Z","interval":60,"status":"Accepted"}]
2024-07-09 12:03:24.000 WARNING (MainThread) [custom_components.ocpp] Unable to send notification
2024-07-09 12:03:25.500 INFO (MainThread) [ocpp] CP-7: send [2,"c1","GetConfiguration",{}]
2024-07-09 12:03:25.700 INFO (MainThread) [ocpp] CP-7: receive message {"not": "a frame"}
"""  # noqa: E501

#: SteVe's log (log4j2 `[%-5p] %d %c (%t) - %m`, WebSocketLogger's "Received:" / "Sending:").
STEVE_LOG = """\
[INFO ] 2024-07-09 12:03:23,100 de.rwth.idsg.steve.ocpp.ws.WebSocketLogger (qtp1225373914-45) - [chargeBoxId=CP-7, sessionId=8c1fd2e1] Connection is established
[INFO ] 2024-07-09 12:03:23,123 de.rwth.idsg.steve.ocpp.ws.WebSocketLogger (qtp1225373914-45) - [chargeBoxId=CP-7, sessionId=8c1fd2e1] Received: [2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]
[INFO ] 2024-07-09 12:03:23,130 de.rwth.idsg.steve.ocpp.ws.WebSocketLogger (qtp1225373914-45) - [chargeBoxId=CP-7, sessionId=8c1fd2e1] Sending: [3,"b1",{"currentTime":"2024-07-09T12:03:23.129Z","interval":60,"status":"Accepted"}]
[WARN ] 2024-07-09 12:03:24,000 de.rwth.idsg.steve.ocpp.ws.WebSocketLogger (qtp1225373914-45) - [chargeBoxId=CP-7, sessionId=8c1fd2e1] Received empty text message. Will pretend this never happened.
[INFO ] 2024-07-09 12:03:25,500 de.rwth.idsg.steve.ocpp.ws.WebSocketLogger (qtp1225373914-46) - [chargeBoxId=CP-7, sessionId=8c1fd2e1] Sending: [2,"c1","GetConfiguration",{}]
[INFO ] 2024-07-09 12:03:25,700 de.rwth.idsg.steve.ocpp.ws.WebSocketLogger (qtp1225373914-46) - [chargeBoxId=CP-7, sessionId=8c1fd2e1] Received: not json at all
"""  # noqa: E501

#: evcc's log (Go's log package: `[ocpp  ] TRACE 2024/07/09 12:03:23 recv CP-7: ...`).
EVCC_LOG = """\
[ocpp  ] TRACE 2024/07/09 12:03:23 recv CP-7: [2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]
[ocpp  ] TRACE 2024/07/09 12:03:23 send CP-7: [3,"b1",{"currentTime":"2024-07-09T12:03:23Z","interval":60,"status":"Accepted"}]
[lp-1  ] DEBUG 2024/07/09 12:03:24 charge power: 0W
[ocpp  ] TRACE 2024/07/09 12:03:25 send CP-7: [2,"c1","GetConfiguration",{}]
[ocpp  ] TRACE 2024/07/09 12:03:25 recv CP-7: [3,"c1",{"configurationKey":[
"""  # noqa: E501
