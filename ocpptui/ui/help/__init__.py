"""Help: every key of every screen, and the charger tabs' sections."""
