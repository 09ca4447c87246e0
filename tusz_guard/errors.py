"""The one expected-error type: bad input, printed as one line, never a traceback."""
from __future__ import annotations


class GuardError(Exception):
    """An expected user error (bad config, missing file, bad argument): one line, exit code 2 by default."""

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(GuardError):
    """A config problem, with cfgv-style breadcrumbs (file, key path)."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.key = key

    def __str__(self) -> str:
        return self.render(with_file=True)

    def render(self, with_file: bool = True) -> str:
        """The one-line message; without the file breadcrumb where the caller already names the file."""
        crumbs = []
        if self.file and with_file:
            crumbs.append(f"==> File {self.file}")
        if self.key:
            crumbs.append(f"==> At key: {self.key}")
        body = GuardError.__str__(self)
        return " ".join(crumbs + [body]) if crumbs else body
