"""Every notebook runs top to bottom with nbclient against a fresh live cloud (one for the module), as a
student runs it: the cloud comes from $OS_CLOUD, here the demo user's entry. Notebooks are kept with their
outputs stripped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lab import clouds_yaml
from lab.config import Settings
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud

pytestmark = pytest.mark.e2e
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def nb_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveCloud, Path]]:
    lab = start_live_cloud(tmp_path_factory.mktemp("notebooks") / "lab")
    settings = Settings(port=int(lab.url.rsplit(":", 1)[1]), admin_password=ADMIN_PASSWORD)
    config = lab.data_dir.parent / "clouds.yaml"
    config.write_text(clouds_yaml.render(clouds_yaml.lab_entries(settings)))
    yield lab, config
    lab.stop()


def test_there_is_a_notebook_per_day_with_outputs_stripped() -> None:
    assert [p.name.split("-")[0] for p in NOTEBOOKS] == ["day1", "day2", "day3", "day4", "day5"]
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path.name
        assert any("openstack.connect(cloud=" in c.source and "OS_CLOUD" in c.source for c in code), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, nb_cloud: tuple[LiveCloud, Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _lab, config = nb_cloud
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(config))
    monkeypatch.setenv("OS_CLOUD", clouds_yaml.DEMO_CLOUD)
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in book.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "connected to stacklab-demo" in text
    if path.name.startswith(("day1", "day2", "day3", "day4")):
        assert "clean" in text.splitlines()
