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
