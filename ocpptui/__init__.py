"""ocpp-tui: commission EV chargers over OCPP from a terminal.

Importing the package imports nothing else: the CLI stays fast and the core stays UI-free.
"""

__version__ = "0.1.0"
