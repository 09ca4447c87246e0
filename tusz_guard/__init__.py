"""tusz-guard: preflight checks, a fingerprinted cache and a gated trainer for TUSZ pipelines."""
__version__ = "0.1.0"
