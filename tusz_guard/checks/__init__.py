"""Preflight checks: a snapshot gathered once, pure checks, findings (see engine.py and gate.py)."""
