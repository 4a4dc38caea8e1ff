"""Frames: the live frame table with its filter bar, the frame inspector, saved logs in the
same viewer."""
