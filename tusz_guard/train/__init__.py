"""The gated trainer: dataset over cache entries, balanced recipe, a small CNN and its loop (imports torch)."""
