"""The entry path convention of a foreign cache ("{split}/{stem}_windows.npz"): parse and format, no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass

FIELDS = ("split", "stem")


@dataclass(frozen=True)
class EntryTemplate:
    """A template with a {stem} in its last path component and at most one {split}."""

    text: str

    @classmethod
    def parse(cls, text: str) -> "EntryTemplate":
        """Validate a template; ValueError names what is wrong."""
        names = re.findall(r"\{([^{}]*)\}", text)
        unknown = [n for n in names if n not in FIELDS]
        if unknown:
            raise ValueError(f"unknown field {{{unknown[0]}}} in '{text}'; allowed: {{split}}, {{stem}}")
        if names.count("stem") != 1 or "{stem}" not in text.rsplit("/", 1)[-1]:
            raise ValueError(f"'{text}' needs exactly one {{stem}}, in the file name (one entry per recording)")
        if names.count("split") > 1 or text.startswith("/") or ".." in text.split("/"):
            raise ValueError(f"'{text}' must be a relative path with at most one {{split}}")
        return cls(text)

    def folder(self, split: str) -> str:
        """The folder (relative to the cache root) holding the entries of one split folder."""
        head = self.text.replace("{split}", split).rsplit("/", 1)
        return head[0] if len(head) == 2 else ""

    def format(self, split: str, stem: str) -> str:
        return self.text.replace("{split}", split).replace("{stem}", stem)

    def stem_of(self, name: str) -> str | None:
        """The stem in a file name of this template's last component, or None when the name does not match."""
        prefix, suffix = self.text.rsplit("/", 1)[-1].split("{stem}")
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix):
            return name[len(prefix):len(name) - len(suffix)]
        return None


def split_path(template: str, split: str) -> str:
    """A per-split file template ("{split}/_dataset_index.json") for one split folder."""
    return "/".join(part for part in template.replace("{split}", split).split("/") if part)
