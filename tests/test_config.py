"""Settings precedence: flags > STACKLAB_* environment > config file > defaults, with types coerced."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.config import DEFAULT_PORT, Settings, default_data_dir, load_settings


def test_defaults_without_env_or_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No flags, env or file: 127.0.0.1:8780, fake compute, SQLite under the XDG data home."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    s = load_settings(environ={})
    assert (s.host, s.port, s.compute_driver, s.log_level) == ("127.0.0.1", DEFAULT_PORT, "fake", "warning")
    assert s.endpoint == "http://127.0.0.1:8780"
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'stacklab' / 'stacklab.db'}"


def test_default_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "stacklab"


def test_file_then_env_then_flags(tmp_path: Path) -> None:
    """Each layer overrides the one below it, field by field."""
    config = tmp_path / "lab.yaml"
    config.write_text("port: 9001\nhost: 10.0.0.1\ncompute_driver: libvirt\nlog_level: info\n")
    env = {"STACKLAB_PORT": "9002", "STACKLAB_HOST": "0.0.0.0"}
    s = load_settings(config, environ=env, port=9003)
    assert s.port == 9003  # flag
    assert s.host == "0.0.0.0"  # env over file
    assert s.compute_driver == "libvirt" and s.log_level == "info"  # file over defaults


def test_env_values_are_coerced_to_field_types(tmp_path: Path) -> None:
    """Strings from the environment become ints, floats and paths."""
    env = {"STACKLAB_PORT": "9100", "STACKLAB_BOOT_SECONDS": "0.5", "STACKLAB_DATA_DIR": str(tmp_path / "d"),
           "STACKLAB_TOKEN_TTL_SECONDS": "60"}
    s = load_settings(environ=env)
    assert s.port == 9100 and isinstance(s.port, int)
    assert s.boot_seconds == 0.5
    assert s.data_dir == tmp_path / "d" and isinstance(s.data_dir, Path)
    assert s.token_ttl_seconds == 60


def test_unset_flags_do_not_override(tmp_path: Path) -> None:
    """A flag left at None (not given on the command line) keeps the env value."""
    s = load_settings(environ={"STACKLAB_PORT": "9200"}, port=None, host=None)
    assert s.port == 9200


def test_stacklab_config_env_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.yaml"
    config.write_text("public_url: http://lab.example:8780/\n")
    s = load_settings(environ={"STACKLAB_CONFIG": str(config)})
    assert s.endpoint == "http://lab.example:8780"  # public_url wins, trailing slash dropped


def test_config_file_in_data_dir_is_found(tmp_path: Path) -> None:
    """Without --config or STACKLAB_CONFIG, <data_dir>/stacklab.yaml is read when present."""
    data = tmp_path / "lab"
    data.mkdir()
    (data / "stacklab.yaml").write_text("demo_password: letmein\n")
    assert load_settings(environ={}, data_dir=data).demo_password == "letmein"
    assert load_settings(environ={"STACKLAB_DATA_DIR": str(data)}).demo_password == "letmein"


def test_unknown_key_in_file_is_an_error(tmp_path: Path) -> None:
    """A typo in the config file is refused, naming the key and the known ones."""
    config = tmp_path / "lab.yaml"
    config.write_text("prot: 9000\n")
    with pytest.raises(ValueError, match=r"unknown setting\(s\) prot; known: .*port"):
        load_settings(config, environ={})


def test_bad_number_in_env_is_an_error() -> None:
    with pytest.raises(ValueError):
        load_settings(environ={"STACKLAB_PORT": "eighty"})


def test_endpoint_for_wildcard_bind_is_loopback() -> None:
    """Binding 0.0.0.0 still tells local clients to use 127.0.0.1."""
    assert Settings(host="0.0.0.0", port=9).endpoint == "http://127.0.0.1:9"
