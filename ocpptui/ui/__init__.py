"""The TUI's screens and widgets, one package per feature: `chargers` (the main screen, one
charger's screen, connecting), `frames` (frame tables, the inspector, saved logs),
`configuration` (1.6 keys, the 2.0.1/2.1 device model, profiles), `commands` (remote
commands, the raw composer), `transfers` (firmware, diagnostics), `links` (serial and BLE),
`commissioning` (checklist, report, playbooks), `site` (the site board), `settings`, `help`,
`files` (picking files on the laptop), and `common` (what every feature uses).

Screens compose widgets; no widget imports a screen (a test checks it). Screen modules end in
`_screen` (and `form_modal`, the frame of the small modal forms).
"""
