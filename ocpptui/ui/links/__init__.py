"""Local links: the serial port and BLE pickers, their line settings, the link's status."""
