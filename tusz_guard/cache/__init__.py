"""The fingerprinted preprocessed-signal cache (light on import: no MNE, SciPy or Dask here)."""
from tusz_guard.cache.fingerprint import FORMAT_VERSION, PARSER_VERSION, PREPROCESS_VERSION, fingerprint

__all__ = ["FORMAT_VERSION", "PARSER_VERSION", "PREPROCESS_VERSION", "fingerprint"]
