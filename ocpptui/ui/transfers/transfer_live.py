"""A running file transfer as the technician watches it: what was sent, bytes, verdict, timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ProgressBar, Static

from ocpptui.app.file_transfers import TransferRun, byte_size
from ocpptui.services.file_server import masked_url
from ocpptui.services.firmware import Progress, Verdict
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.transfers.transfer_timeline import TransferTimeline

_LABEL = "$text-muted"
LABEL_WIDTH = 11


def labelled(label: str, value: str, style: str = "") -> Content:
    """`Label      value` with the label in muted text (value is never markup)."""
    return Content.assemble((f"{label:<{LABEL_WIDTH}}", _LABEL), (value, style))


def shown_url(url: str | None, copy_key: str) -> str:
    """The URL with its password masked (the copy key copies it whole), or "not sent yet"."""
    if not url:
        return "not sent yet"
    masked = masked_url(url)
    return masked if masked == url else f"{masked}  ({copy_key} copies it with the password)"


def progress_text(progress: Progress, total: int | None) -> str:
    """`620.0 kB of 1.2 MB · 410.0 kB/s · 127.0.0.1:53312`."""
    if progress.client is None and not progress.bytes_done:
        return "nothing transferred yet"
    parts = [byte_size(progress.bytes_done)]
    if total:
        parts[0] += f" of {byte_size(total)}"
    if progress.rate:
        parts.append(f"{byte_size(progress.rate)}/s")
    if progress.client:
        parts.append(shorten(progress.client, 48))
    return " · ".join(parts)


def diagnosis_text(job: object) -> str | None:
    """The first diagnosis that explains a transfer not happening, while the job runs."""
    findings = getattr(job, "diagnosis", None) or []
    blocking = [finding for finding in findings if getattr(finding, "blocking", True)]
    return blocking[0].text if blocking else None


def verdict_content(run: TransferRun, verdict: Verdict | None, waiting: str) -> Content:
    """The outcome in one or two lines: ✔/✖ summary, then what to check."""
    if run.error is not None and (verdict is None or verdict.ok):
        return Content.assemble(
            ("✖ ", "$text-error bold"), (shorten(run.error, 600), "$text-error")
        )
    if verdict is None:
        found = diagnosis_text(run.job)
        if found is None:
            return Content.styled(waiting, "$text-muted")
        return Content("\n").join(
            [
                Content.styled(waiting, "$text-muted"),
                Content.assemble(
                    ("⚠ ", "$text-warning bold"), (shorten(found, 600), "$text-warning")
                ),
            ]
        )
    if verdict.ok:
        return Content.assemble(
            ("✔ ", "$text-success bold"), (shorten(verdict.summary, 600), "$text-success bold")
        )
    lines = [
        Content.assemble(
            ("✖ ", "$text-error bold"), (shorten(verdict.summary, 600), "$text-error bold")
        )
    ]
    if verdict.advice:
        lines.append(
            Content.assemble(("Advice: ", "$text-warning bold"), (shorten(verdict.advice, 800), ""))
        )
    return Content("\n").join(lines)


class TransferLive(Vertical):
    """Head lines (URL, firewall, file), a progress bar, the verdict and the timeline."""

    DEFAULT_CSS = """
    TransferLive {
        height: 1fr;
        & > #transfer-head { height: auto; padding: 0 1; }
        & > #transfer-bar-row { height: 1; padding: 0 1; }
        & > #transfer-bar-row > ProgressBar { width: auto; }
        & > #transfer-bar-row > #transfer-bytes { width: 1fr; padding-left: 1; }
        & > #transfer-verdict {
            height: auto;
            padding: 0 1;
            margin: 1 0 0 0;
            border-left: thick $panel-lighten-2;
        }
        & > #transfer-verdict.-ok { border-left: thick $success; }
        & > #transfer-verdict.-failed { border-left: thick $error; }
        & > TransferTimeline { margin-top: 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="transfer-head", markup=False)
        with Horizontal(id="transfer-bar-row"):
            yield ProgressBar(total=None, show_eta=False, id="transfer-bar")
            yield Static(id="transfer-bytes", markup=False)
        yield Static(id="transfer-verdict", markup=False)
        yield TransferTimeline(id="transfer-timeline")

    @property
    def timeline(self) -> TransferTimeline:
        return self.query_one(TransferTimeline)

    def show(
        self,
        run: TransferRun,
        head: list[Content],
        progress: Progress,
        total: int | None,
        verdict: Verdict | None,
        waiting: str,
    ) -> None:
        """Repaint from the run (called from the screen's `TransferChanged` handler)."""
        self.query_one("#transfer-head", Static).update(Content("\n").join(head))
        bar = self.query_one("#transfer-bar", ProgressBar)
        if total:
            bar.update(total=total, progress=min(progress.bytes_done, total))
        elif progress.bytes_done:
            bar.update(total=None)
        self.query_one("#transfer-bytes", Static).update(progress_text(progress, total))
        panel = self.query_one("#transfer-verdict", Static)
        panel.update(verdict_content(run, verdict, waiting))
        outcome = run.ok
        panel.set_class(outcome is True, "-ok")
        panel.set_class(outcome is False, "-failed")
        job = run.job
        self.timeline.show(job.timeline if job is not None else [])

    def reset(self) -> None:
        self.query_one("#transfer-bar", ProgressBar).update(total=None, progress=0)
        self.timeline.reset()
