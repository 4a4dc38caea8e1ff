"""The chargers: the main screen (how to connect, who is connected, what happened), one
charger's screen with its tabs, connection attempts, the decision on an unknown charger."""
