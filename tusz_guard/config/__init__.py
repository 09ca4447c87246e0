"""Config schema and loader."""
from tusz_guard.config.loader import ConfigProblems, LoadedConfig, find_project_root, load_config
from tusz_guard.config.schema import Config

__all__ = ["Config", "ConfigProblems", "LoadedConfig", "find_project_root", "load_config"]
