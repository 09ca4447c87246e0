"""The demo corpus and a project whose cache/tusz holds every role: what the archive and copy benchmarks time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TG = str(Path(sys.executable).parent / "tusz-guard")


def demo_corpus(dest: Path) -> Path:
    """`tusz-guard synth DEST --profile demo --seed 0`."""
    subprocess.run([TG, "synth", str(dest), "--profile", "demo", "--seed", "0"], check=True, stdout=subprocess.DEVNULL)
    return dest


def built_project(root: Path, corpus: Path) -> Path:
    """root/configs/train.yaml over the corpus, its cache built for train, val and test; the config path."""
    (root / "configs").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    config = root / "configs" / "train.yaml"
    config.write_text(f"data: {{data_dir: {corpus / 'edf'}, cache_dir: cache/tusz}}\n")
    subprocess.run([TG, "build-cache", str(config), "--role", "train", "--role", "val", "--role", "test"], check=True,
                   stdout=subprocess.DEVNULL)
    return config
