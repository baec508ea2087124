"""A restore or save killed half way leaves scratch copies in the data directory; the next start removes them."""

from __future__ import annotations

from lab.cloud.app import Cloud
from lab.config import Settings


def test_start_removes_restore_staging_and_half_saved_snapshots(settings: Settings) -> None:
    """`.lab-restore/` and `lab-snapshots/.saving-*` from a killed process are gone after the next start;
    finished snapshots stay."""
    first = Cloud(settings)
    first.bootstrap()
    first.services["labapi"].camp.snapshots.save("kept")
    first.close()
    staging = settings.data_dir / ".lab-restore" / "new" / "volumes"
    staging.mkdir(parents=True)
    (staging / "volume-x.raw").write_bytes(b"\0" * 4096)
    half_saved = settings.data_dir / "lab-snapshots" / ".saving-day2-0badf00d"
    half_saved.mkdir()
    (half_saved / "stacklab.db").write_bytes(b"partial")

    second = Cloud(settings)
    try:
        second.bootstrap()
        assert not (settings.data_dir / ".lab-restore").exists()
        assert not half_saved.exists()
        assert [s.name for s in second.services["labapi"].camp.snapshots.list()] == ["kept"]
    finally:
        second.close()
