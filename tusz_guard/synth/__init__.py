"""Synthetic TUSZ corpora (tiny, demo, scale) with ground truth: the data every test and demo runs on.

Re-running `generate` into a directory that holds our ground_truth.json with the same profile, seed and
defects regenerates it in place (same bytes, our files only); any other non-empty directory is refused.
"""
from __future__ import annotations

from tusz_guard.synth.corpus import generate
from tusz_guard.synth.profiles import PROFILES, Profile
from tusz_guard.synth.truth import SCHEMA, summary

__all__ = ["PROFILES", "SCHEMA", "Profile", "generate", "summary"]
