"""The Textual application: `app.make_app` builds it (for the CLI and the tests), `app.tcss`
lays out its screens, `palette` fills ctrl+p, `log_app` is `ocpp-tui open FILE`.

Beside it, what every screen builds on: `bridge` (the one place the UI subscribes to the hub),
`hub_handoff` (hub events held until the next refresh), `messages` (what the bridge posts) and
`file_transfers` (the file server and the transfer runs, which outlive their screens).
"""
