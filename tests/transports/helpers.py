"""Helpers for the local-link tests."""

from __future__ import annotations

import os

import pytest

posix_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX only")
