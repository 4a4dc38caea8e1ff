"""Statistics of a whole frame log: messages per action, errors, latencies, heartbeat gaps."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ocpptui.protocol.timestamps import record_time
from ocpptui.wording import counted

#: Heartbeat intervals this much longer than the median are listed as gaps.
GAP_FACTOR = 1.5
MAX_LISTED_GAPS = 100


def percentile(sorted_values: list[float] | array, fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(slots=True)
class LatencySummary:
    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, values: array) -> LatencySummary:
        ordered = sorted(values)
        return cls(
            len(ordered),
            percentile(ordered, 0.50),
            percentile(ordered, 0.95),
            percentile(ordered, 0.99),
            ordered[-1] if ordered else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "p50": self.p50, "p95": self.p95, "p99": self.p99}


@dataclass(slots=True)
class HeartbeatGap:
    position: int  # of the Heartbeat that ended the gap
    seconds: float


@dataclass(slots=True)
class LogStatistics:
    """What a whole log says, gathered in one pass (`LogFile.analyze`)."""

    frames: int = 0
    calls_by_action: Counter[str] = field(default_factory=Counter)
    results_by_action: Counter[str] = field(default_factory=Counter)
    errors_by_action: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)
    directions: Counter[str] = field(default_factory=Counter)
    problems: int = 0  # malformed frames, duplicate ids, answers to unknown ids
    with_violations: int = 0
    unanswered: int = 0
    latency: LatencySummary = field(default_factory=lambda: LatencySummary.of(array("d")))
    latency_by_action: dict[str, LatencySummary] = field(default_factory=dict)
    heartbeats: int = 0
    heartbeat_intervals: LatencySummary = field(
        default_factory=lambda: LatencySummary.of(array("d"))
    )
    heartbeat_gaps: list[HeartbeatGap] = field(default_factory=list)
    first_wall: float | None = None
    last_wall: float | None = None
    complete: bool = True  # False when the pass was cancelled

    @property
    def errors(self) -> int:
        """CallErrors, frames with a problem and frames with schema violations."""
        return sum(self.error_codes.values()) + self.problems + self.with_violations

    def to_json(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "calls_by_action": dict(self.calls_by_action.most_common()),
            "errors_by_action": dict(self.errors_by_action.most_common()),
            "error_codes": dict(self.error_codes.most_common()),
            "problems": self.problems,
            "with_violations": self.with_violations,
            "unanswered": self.unanswered,
            "latency_ms": self.latency.to_json(),
            "latency_ms_by_action": {a: s.to_json() for a, s in self.latency_by_action.items()},
            "heartbeats": self.heartbeats,
            "heartbeat_interval_s": self.heartbeat_intervals.to_json(),
            "heartbeat_gaps": [
                {"position": g.position, "seconds": round(g.seconds, 3)}
                for g in self.heartbeat_gaps
            ],
            "first": record_time(self.first_wall),
            "last": record_time(self.last_wall),
        }

    def summary_lines(self) -> list[str]:
        """A plain-text summary (the CLI prints it; the viewer shows it)."""

        def ms(value: float | None) -> str:
            return "—" if value is None else f"{value:.1f} ms"

        lines = [counted(self.frames, "frame")]
        if self.first_wall is not None and self.last_wall is not None:
            span = self.last_wall - self.first_wall
            first, last = record_time(self.first_wall), record_time(self.last_wall)
            lines[0] += f" from {first} to {last} ({span:,.0f} s)"
        if not self.complete:
            lines.append("(partial: the pass was stopped)")
        lines.append(
            f"errors: {self.errors:,} ({sum(self.error_codes.values()):,} CallErrors, "
            f"{self.problems:,} with problems, {self.with_violations:,} with schema violations); "
            f"{counted(self.unanswered, 'CALL')} unanswered"
        )
        for code, count in self.error_codes.most_common(10):
            lines.append(f"  {code}: {count:,}")
        latency = self.latency
        lines.append(
            f"latency ({counted(latency.count, 'answer')}): p50 {ms(latency.p50)}, "
            f"p95 {ms(latency.p95)}, p99 {ms(latency.p99)}, max {ms(latency.max)}"
        )
        intervals = self.heartbeat_intervals
        if self.heartbeats:
            lines.append(
                f"heartbeats: {self.heartbeats:,}; interval median "
                f"{_seconds(intervals.p50)}, max {_seconds(intervals.max)}; "
                f"{counted(len(self.heartbeat_gaps), 'gap')} over {GAP_FACTOR:g}x the median"
            )
            for gap in self.heartbeat_gaps[:10]:
                lines.append(f"  gap of {gap.seconds:,.1f} s before frame {gap.position + 1:,}")
        lines.append("messages per action (CALLs, answers, errors, latency p50/p95/p99):")
        for action, count in self.calls_by_action.most_common():
            summary = self.latency_by_action.get(action)
            timing = (
                f"{ms(summary.p50)} / {ms(summary.p95)} / {ms(summary.p99)}" if summary else "—"
            )
            lines.append(
                f"  {action}: {count:,}, {self.results_by_action[action]:,}, "
                f"{self.errors_by_action[action]:,}, {timing}"
            )
        return lines


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"
