"""Cache archives: pack, verify (one streaming pass, never extracting) and safe unpack (docs/archive-format.md)."""
