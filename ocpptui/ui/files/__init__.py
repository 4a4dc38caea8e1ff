"""Picking a file on the laptop: typed or pasted paths, a folder tree, a list with completion."""
