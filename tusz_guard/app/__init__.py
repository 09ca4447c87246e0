"""The application layer: preflight, archive verification and unpacking, used by the commands and each other."""
