"""Config loading: safe YAML, strict keys with did-you-mean, env expansion, project-root resolution."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.config import find_project_root, load_config
from tusz_guard.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    return tmp_path


def test_defaults_resolve_against_project_root_not_cwd(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    cfg_path = write(project / "configs" / "train.yaml", "experiment: {kind: full}\n")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    cfg = load_config(cfg_path)
    assert cfg.project_root == project
    assert cfg.cache_dir == project / "cache" / "tusz"          # the schema default, resolved
    assert cfg.data_dir == project / "data" / "tusz" / "edf"
    assert cfg.output_dir == project / "results" / "tusz_train"


def test_project_root_falls_back_to_config_folder(tmp_path: Path) -> None:
    cfg_path = write(tmp_path / "a" / "b" / "c.yaml", "{}\n")
    assert not any((d / m).exists() for d in tmp_path.parents for m in ("pyproject.toml", ".git", "tusz-guard.toml"))
    assert find_project_root(cfg_path) == cfg_path.parent


@pytest.mark.parametrize("marker", ["pyproject.toml", ".git", "tusz-guard.toml"])
def test_project_root_markers(tmp_path: Path, marker: str) -> None:
    (tmp_path / marker).mkdir() if marker == ".git" else (tmp_path / marker).write_text("")
    cfg_path = write(tmp_path / "deep" / "configs" / "x.yaml", "{}\n")
    assert find_project_root(cfg_path) == tmp_path


def test_env_var_expansion(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUSZ_ROOT", "/mnt/tusz")
    cfg = load_config(write(project / "c.yaml", "data: {data_dir: '${TUSZ_ROOT}/edf'}\n"))
    assert cfg.data_dir == Path("/mnt/tusz/edf")


def test_unset_env_var_is_a_config_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    with pytest.raises(ConfigError) as err:
        load_config(write(project / "c.yaml", "data: {cache_dir: '${NOPE_NOT_SET}/c'}\n"))
    assert str(err.value) == (f"==> File {project / 'c.yaml'} ==> At key: data.cache_dir "
                              "environment variable ${NOPE_NOT_SET} is not set (export NOPE_NOT_SET=... or write the value)")


@pytest.mark.parametrize(("text", "expected"), [
    ("data: {cahce_dir: cache/x}\n", "==> At key: data.cahce_dir unknown key 'cahce_dir'; did you mean 'data.cache_dir'?"),
    # catalogue row 1: a cache_dir under experiment was read by nothing
    # issue 13.3: a second cache path is not "moved" into the key that is read; the one read is named instead
    ("experiment: {cache_dir: cache/x}\n",
     "==> At key: experiment.cache_dir unknown key 'cache_dir': experiment.cache_dir (cache/x) names a second cache; "
     "data.cache_dir (cache/tusz) is the one read; remove experiment.cache_dir"),
    ("experiment: {cache_dir: cache/tusz}\n",
     "==> At key: experiment.cache_dir unknown key 'cache_dir': experiment.cache_dir repeats data.cache_dir "
     "(cache/tusz), which is the one read; remove experiment.cache_dir"),
    ("data: {epochs: 3}\n",
     "==> At key: data.epochs unknown key 'epochs'; did you mean 'training.epochs'? (the key belongs in 'training')"),
    ("model: {depth: 3}\n", "==> At key: model unknown key 'model'; allowed keys: experiment, data, preprocessing, windows, labels, training"),
    ("experiment: {kind: fast}\n", "==> At key: experiment.kind Input should be 'smoke' or 'full' (got 'fast')"),
    ("training: {epochs: many}\n", "==> At key: training.epochs Input should be a valid integer, unable to parse string as an integer (got 'many')"),
    ("preprocessing: {interpolate: [Fz, Qz]}\n", "==> At key: preprocessing.interpolate unknown channel(s) ['Qz']; allowed: Fp1, F3, C3, P3, F7, T3, T5, O1, Fz, Cz, Pz, Fp2, F4, C4, P4, F8, T4, T6, O2"),
    ("preprocessing: {bandpass: [40, 1]}\n", "==> At key: preprocessing.bandpass bandpass must be [low, high] with 0 <= low < high, got [40.0, 1.0]"),
    ("preprocessing: {sampling_rate: 200}\n", "==> At key: preprocessing bandpass high edge 120.0 Hz must be below Nyquist (100.0 Hz)"),
    ("labels: {seizure: [seiz, bckg]}\n", "==> At key: labels label(s) ['bckg'] are in both the seizure and the background set"),
    ("- a\n- b\n", "expected a mapping at the top level, got list"),
    ("data: {cache_dir: [unclosed\n", "invalid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>'"),
])
def test_bad_configs_give_one_line_with_breadcrumb(project: Path, text: str, expected: str) -> None:
    path = write(project / "bad.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"==> File {path}")
    assert message.endswith(expected)
    assert "\n" not in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_yaml_is_loaded_safely(project: Path) -> None:
    path = write(project / "evil.yaml", "experiment: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(path)


def test_non_utf8_config(project: Path) -> None:
    path = project / "latin.yaml"
    path.write_bytes(b"experiment: {name: caf\xe9}\n")
    with pytest.raises(ConfigError, match="cannot read config: UnicodeDecodeError"):
        load_config(path)


def test_shipped_configs_share_cache_and_preprocessing() -> None:
    root = Path(__file__).resolve().parents[2]
    smoke, train = load_config(root / "configs" / "smoke.yaml"), load_config(root / "configs" / "train.yaml")
    assert smoke.cache_dir == train.cache_dir == root / "cache" / "tusz"
    assert smoke.config.preprocessing == train.config.preprocessing
    assert smoke.config.labels == train.config.labels
    assert (smoke.config.experiment.kind, train.config.experiment.kind) == ("smoke", "full")
    assert train.config.data.limit_files is None


@pytest.mark.parametrize(("windows", "expected"), [
    ("{length_s: 60, stride_s: 0.001}", "windows.stride_s = 0.001 s is shorter than one sample at 256 Hz"),
    ("{length_s: 0.001, stride_s: 10}", "windows.length_s = 0.001 s is shorter than one sample at 256 Hz"),
])
def test_windows_shorter_than_a_sample_are_config_errors(project: Path, windows: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(project / "w.yaml", f"windows: {windows}\n"))
    assert expected in str(err.value)


def test_dotdot_in_the_config_path_is_normalised(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "configs" / "train.yaml", "{}\n")
    (project / "results").mkdir()
    monkeypatch.chdir(project / "results")
    cfg = load_config("../configs/train.yaml")
    assert cfg.path == project / "configs" / "train.yaml"
    assert cfg.project_root == project and ".." not in cfg.project_root.parts
