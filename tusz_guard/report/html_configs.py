"""Configs side by side with differing keys highlighted, and the archive section."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tusz_guard.report.html_values import kv_table
from tusz_guard.report.svg import esc
from tusz_guard.results import ConfigSummary

_HEAD = ("path", "name", "kind", "data_dir", "cache_dir", "fingerprint")
_MISSING = object()


def _text(value: Any) -> str:
    """The comparable display form of a config value (strings bare, everything else as JSON)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _cell(value: Any, source: str | None = None) -> str:
    if value is _MISSING:
        return '<td class="muted">(not set)</td>'
    note = f' <span class="override">{esc(source)}</span>' if source else ""
    return f"<td><code>{esc(_text(value))}</code>{note}</td>"


def _source(config: ConfigSummary, key: str) -> str | None:
    """'(from --set)' where a launcher's override set this key."""
    text = config.overrides.get(key)
    return text[text.rfind(" (from "):].strip() if text and " (from " in text else None


def _rows(configs: tuple[ConfigSummary, ...]) -> list[tuple[str, list[Any]]]:
    head = [(f, [getattr(c, f) for c in configs]) for f in _HEAD]
    keys = sorted({k for c in configs for k in c.values}, key=str)
    return head + [(str(k), [c.values.get(k, _MISSING) for c in configs]) for k in keys]


def dotted(key: str) -> str:
    """A config key escaped, with a line-break opportunity after each dot (long keys wrap at dots, not mid-word)."""
    return esc(key).replace(".", ".<wbr>")


def _differs(values: list[Any]) -> bool:
    texts = {"\0missing" if v is _MISSING else _text(v) for v in values}
    return len(texts) > 1


def configs_section(configs: tuple[ConfigSummary, ...]) -> str:
    """One column per config; rows whose values differ are marked, with a CSS-only 'differences only' toggle."""
    if not configs:
        return '<section id="configs"><h2>Configs</h2><p class="muted">No config in this report.</p></section>'
    rows = _rows(configs)
    flags = [_differs(vals) for _, vals in rows]
    head = "".join(f'<th><span class="cfg-name">{esc(c.name)}</span><br><code>{esc(c.path)}</code></th>'
                   for c in configs)
    body = "".join(f'<tr class="{"diff" if d else "same"}"><th scope="row"><code>{dotted(key)}</code></th>'
                   f'{"".join(_cell(v, _source(c, key)) for c, v in zip(configs, vals, strict=False))}</tr>'
                   for (key, vals), d in zip(rows, flags, strict=False))
    n_diff = sum(flags)
    toggle = ""
    if len(configs) > 1:
        toggle = ('<p class="toggle"><input type="checkbox" id="only-diff"><label for="only-diff">'
                  f"show only the {n_diff:,} differing key{'s' if n_diff != 1 else ''} of {len(rows):,}"
                  "</label></p>")
    return (f'<section id="configs"><h2>Configs ({len(configs):,})</h2>{toggle}'
            f'<div class="scroll"><table class="configs"><thead><tr><th>key</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div></section>")


def archive_section(archive: Any) -> str:
    """The archive facts as the engine gave them (one table per archive); empty when there is none."""
    if isinstance(archive, Mapping):
        archive = [archive]
    if not isinstance(archive, list) or not archive:
        return ""
    tables = "".join(kv_table(a) if isinstance(a, Mapping) else f"<p><code>{esc(a)}</code></p>" for a in archive)
    return f'<section id="archive"><h2>Archive</h2>{tables}</section>'
