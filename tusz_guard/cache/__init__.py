"""The fingerprinted preprocessed-signal cache (light on import: no MNE, SciPy, Dask or pydantic here).

Nothing is re-exported: the versions and fingerprint() live in cache/fingerprint.py, which imports the config
schema (pydantic); importing cache.store (verify-archive does) must not.
"""
