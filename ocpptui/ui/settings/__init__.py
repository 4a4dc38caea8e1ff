"""The settings screen: the settings file as a form."""
