"""The clouds.yaml entries: where they go, and that merging keeps everything else in the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab import clouds_yaml
from lab.config import Settings

USER_FILE = """\
# my clouds: do not lose this comment
clouds:
  other:   # a real cloud
    auth:
      auth_url: https://cloud.example:5000/v3
      username: me
    region_name: RegionTwo
  stacklab:
    auth:
      auth_url: http://old:1/identity
"""


@pytest.fixture
def lab(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "lab", admin_password="pw", port=9876)


def test_path_prefers_os_client_config_file_then_xdg(tmp_path: Path) -> None:
    assert clouds_yaml.clouds_yaml_path({"OS_CLIENT_CONFIG_FILE": str(tmp_path / "c.yaml"),
                                         "XDG_CONFIG_HOME": "/x"}) == tmp_path / "c.yaml"
    assert clouds_yaml.clouds_yaml_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "openstack/clouds.yaml"
    assert clouds_yaml.clouds_yaml_path({}) == Path.home() / ".config/openstack/clouds.yaml"


def test_entries_name_admin_and_demo(lab: Settings) -> None:
    entries = clouds_yaml.lab_entries(lab)
    assert set(entries) == {"stacklab", "stacklab-demo"}
    admin, demo = entries["stacklab"]["auth"], entries["stacklab-demo"]["auth"]
    assert admin["auth_url"] == "http://127.0.0.1:9876/identity"
    assert (admin["username"], admin["password"], admin["project_name"]) == ("admin", "pw", "admin")
    assert (demo["username"], demo["password"], demo["project_name"]) == ("demo", "demo", "demo")
    assert entries["stacklab"]["region_name"] == "RegionOne"


def test_admin_password_from_data_dir(tmp_path: Path) -> None:
    """Without a configured password, the one bootstrap saved in the data directory is used."""
    s = Settings(data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="no admin password yet"):
        clouds_yaml.lab_entries(s)
    (tmp_path / "admin-password").write_text("saved-pw\n")
    assert clouds_yaml.lab_entries(s)["stacklab"]["auth"]["password"] == "saved-pw"


def test_merge_creates_a_private_file(tmp_path: Path, lab: Settings) -> None:
    path = tmp_path / "cfg" / "clouds.yaml"
    assert clouds_yaml.merge_into(path, clouds_yaml.lab_entries(lab)) is True
    assert yaml.safe_load(path.read_text())["clouds"] == clouds_yaml.lab_entries(lab)
    assert path.stat().st_mode & 0o777 == 0o600
    assert not path.with_name("clouds.yaml.bak").exists()


def test_merge_keeps_other_clouds_and_comments_and_a_backup(tmp_path: Path, lab: Settings) -> None:
    """Other entries and comments survive; our stale entry is replaced; the old file is kept as .bak."""
    path = tmp_path / "clouds.yaml"
    path.write_text(USER_FILE)
    assert clouds_yaml.merge_into(path, clouds_yaml.lab_entries(lab)) is True
    text = path.read_text()
    assert "# my clouds: do not lose this comment" in text and "# a real cloud" in text
    data = yaml.safe_load(text)["clouds"]
    assert data["other"] == yaml.safe_load(USER_FILE)["clouds"]["other"]
    assert data["stacklab"]["auth"]["auth_url"] == "http://127.0.0.1:9876/identity"
    assert list(data) == ["other", "stacklab", "stacklab-demo"]
    assert path.with_name("clouds.yaml.bak").read_text() == USER_FILE


def test_merge_is_a_no_op_when_unchanged(tmp_path: Path, lab: Settings) -> None:
    """A second start with the same entries does not rewrite the file (nor its backup)."""
    path = tmp_path / "clouds.yaml"
    clouds_yaml.merge_into(path, clouds_yaml.lab_entries(lab))
    before = path.stat().st_mtime_ns
    assert clouds_yaml.merge_into(path, clouds_yaml.lab_entries(lab)) is False
    assert path.stat().st_mtime_ns == before


def test_merge_refuses_a_file_that_is_not_a_mapping(tmp_path: Path, lab: Settings) -> None:
    """A clouds.yaml that is a list is left untouched, with an error saying so."""
    path = tmp_path / "clouds.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ValueError, match="not a YAML mapping"):
        clouds_yaml.merge_into(path, clouds_yaml.lab_entries(lab))
    assert path.read_text() == "- just\n- a list\n"


def test_render_is_a_clouds_yaml_document(lab: Settings) -> None:
    assert yaml.safe_load(clouds_yaml.render(clouds_yaml.lab_entries(lab))) == {
        "clouds": clouds_yaml.lab_entries(lab)}
