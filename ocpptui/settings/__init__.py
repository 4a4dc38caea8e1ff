"""Settings: the dataclasses (`model`), reading the TOML file (`reader`), and the TUI's edits
written back with the file's comments kept (`writer`)."""
