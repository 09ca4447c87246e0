"""The [pipeline] profile: the issue's example parses verbatim; mistakes are config errors with a breadcrumb."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.conftest import PROFILE, Origin
from tests.pipeline.test_pipeline_incident import check
from tusz_guard.cli import run
from tusz_guard.errors import ConfigError
from tusz_guard.pipeline.foreign_config import ForeignConfig, load_any
from tusz_guard.pipeline.profile import read_profile
from tusz_guard.pipeline.template import EntryTemplate


def test_the_example_profile_parses(tmp_path: Path) -> None:
    (tmp_path / "tusz-guard.toml").write_text(PROFILE)
    profile = read_profile(tmp_path / "tusz-guard.toml")
    assert profile is not None
    assert profile.name == "brain-go-brr-v2"
    assert profile.keys.other_cache_keys == ("experiment.cache_dir",)
    assert profile.cache.splits == {"train": "train", "val": "dev"}
    assert profile.values == {"split_policy": {"official_tusz": "official"}}
    assert profile.labels.seizure[-1] == "mysz" and profile.annotations == "csv_bi"


def test_a_toml_without_a_pipeline_table_is_no_profile(tmp_path: Path) -> None:
    (tmp_path / "tusz-guard.toml").write_text("[other]\nx = 1\n")
    assert read_profile(tmp_path / "tusz-guard.toml") is None


@pytest.mark.parametrize("old, new, message", [
    ('[pipeline.smoke]', '[pipeline.smoke]\nenv_limt = "X"',
     "==> File tusz-guard.toml ==> At key: pipeline.smoke.env_limt unknown key 'env_limt'; "
     "did you mean 'pipeline.smoke.env_limit'?"),
    ('entry = "{split}/{stem}_windows.npz"', 'entry = "{split}/windows.npz"',
     "==> File tusz-guard.toml ==> At key: pipeline.cache.entry '{split}/windows.npz' needs exactly one {stem}, "
     "in the file name (one entry per recording)"),
    ('official_tusz = "official"', 'official_tusz = "offical"',
     "==> File tusz-guard.toml ==> At key: pipeline.values split_policy.official_tusz = 'offical'; "
     "allowed: official, holdout"),
    ('cache_dir = "data.cache_dir"                  # the key the pipeline reads', '',
     "==> File tusz-guard.toml ==> At key: pipeline.keys.cache_dir required key missing"),
    ('[pipeline]', '[pipeline\n', None),
])
def test_profile_mistakes_are_config_errors(tmp_path: Path, old: str, new: str, message: str | None) -> None:
    assert old in PROFILE
    (tmp_path / "tusz-guard.toml").write_text(PROFILE.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        read_profile(tmp_path / "tusz-guard.toml")
    if message is None:
        assert str(err.value).startswith("==> File tusz-guard.toml invalid TOML: ")
    else:
        assert str(err.value) == message


def test_a_key_path_the_configs_lack_is_a_config_error(origin: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    config = origin.config("train", "cache/tusz")
    toml = origin.root / "tusz-guard.toml"
    toml.write_text(toml.read_text().replace('stride_s = "data.stride"', 'stride_s = "data.window_stride"'))
    assert run(["check", str(config), "--no-expectations"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: ==> File tusz-guard.toml ==> At key: pipeline.keys.stride_s 'data.window_stride' is not in "
        "configs/local/train.yaml; map pipeline.keys.stride_s to a key the configs have")


def test_an_unknown_split_policy_word_names_the_allowed_ones(origin: Origin) -> None:
    config = origin.config("train", "cache/tusz", split_policy="patient_split")
    with pytest.raises(ConfigError) as err:
        load_any(config, env={})
    assert str(err.value).startswith("==> File configs/local/train.yaml ==> At key: data.split_policy split policy "
                                     "'patient_split' has no meaning for tusz-guard; allowed: official_tusz, official, "
                                     "holdout")


def test_only_mapped_keys_are_read(origin: Origin) -> None:
    config = origin.config("train", "cache/tusz", "cache/full_training", augment={"anything": [1, 2]})
    cfg = load_any(config, env={})
    assert isinstance(cfg, ForeignConfig)
    assert cfg.cache_dir == origin.root / "cache/tusz" and not cfg.smoke
    assert cfg.config.data.split_policy == "official" and cfg.config.windows.length_s == 4
    assert [k for k, _ in cfg.content] == ["data.sampling_rate", "data.n_channels", "preprocessing"]
    assert cfg.other_cache_keys[0].value == "cache/full_training"


def test_a_config_outside_the_profile_is_a_tusz_guard_config(origin: Origin) -> None:
    other = origin.root / "configs" / "ours.yaml"
    other.parent.mkdir(parents=True)
    other.write_text("data: {cache_dir: cache/ours}\n")
    assert not isinstance(load_any(other), ForeignConfig)


@pytest.mark.parametrize("text, split, stem, path", [
    ("{split}/{stem}_windows.npz", "dev", "aaaaaaac_s001_t000", "dev/aaaaaaac_s001_t000_windows.npz"),
    ("{stem}.npz", "train", "x_s001_t001", "x_s001_t001.npz"),
    ("npz/{split}/w_{stem}.npz", "train", "y", "npz/train/w_y.npz"),
])
def test_entry_template_round_trip(text: str, split: str, stem: str, path: str) -> None:
    t = EntryTemplate.parse(text)
    assert t.format(split, stem) == path
    assert t.stem_of(path.rsplit("/", 1)[-1]) == stem
    assert t.folder(split) == path.rsplit("/", 1)[0] if "/" in path else t.folder(split) == ""


@pytest.mark.parametrize("text", ["{split}/windows.npz", "{stem}/{split}.npz", "../{stem}.npz", "{split}/{stm}.npz"])
def test_bad_entry_templates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        EntryTemplate.parse(text)


def test_a_team_config_the_globs_miss_says_so(origin: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    config = origin.config("train", "cache/tusz")
    moved = origin.root / "configs" / "modal" / "train.yaml"
    moved.parent.mkdir()
    config.rename(moved)
    assert run(["check", str(moved), "--no-expectations"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ==> File ")
    assert err.endswith(f"it is not one of the configs pipeline.configs names in {origin.root / 'tusz-guard.toml'} "
                        "(configs/local/*.yaml))")


def test_label_sets_can_be_set_in_the_profile(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    toml = fixed.root / "tusz-guard.toml"
    toml.write_text(toml.read_text() + '\n[pipeline.labels]\nseizure = ["gnsz"]\nbackground = ["bckg"]\n')
    config = fixed.root / "configs/local/train.yaml"
    code, found = check(capsys, config, "--select", "labels.vocabulary")
    assert code == 1
    assert list(found["labels.vocabulary"]["details"]["unknown"]) == ["seiz"]
    assert found["labels.vocabulary"]["message"].endswith("add each seen label to the right set in [pipeline.labels] "
                                                          "of tusz-guard.toml and rebuild the cache")
    cfg = load_any(config, env={})
    assert cfg.config.labels.seizure == ("gnsz",)
