"""The Configuration tab: 1.6 keys (`keys_panel`, `keys_table`), the 2.0.1/2.1 device model
(`device_model_panel`, `device_model_tree`), what both share (`configuration_panel`: profiles,
save, export), and the screens they open (edit a value, export, apply a profile, network
profile)."""
