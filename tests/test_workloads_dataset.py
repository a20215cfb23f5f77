"""load_dataset: every row and file is checked before any board time is spent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinybench.errors import TinybenchError
from tinybench.workloads import load_dataset, load_workload


def _kws_set(tmp_path: Path, n: int = 3, sep: str = ",") -> Path:
    for i in range(n):
        (tmp_path / f"tst_{i:06d}_Yes_9.bin").write_bytes(bytes(490))
    (tmp_path / "y_labels.csv").write_text(
        "".join(f"tst_{i:06d}_Yes_9.bin{sep}12{sep}9\n" for i in range(n)))
    return tmp_path


def test_valid_set_with_spaced_separators(tmp_path: Path) -> None:
    ds = load_dataset(_kws_set(tmp_path, sep=", "), load_workload("kws01"))
    assert len(ds) == 3 and ds.labels == [9, 9, 9] and ds.num_inferences == 3
    assert [e.row for e in ds] == [1, 2, 3]


def test_missing_file_is_named_with_its_row(tmp_path: Path) -> None:
    _kws_set(tmp_path)
    (tmp_path / "tst_000001_Yes_9.bin").unlink()
    with pytest.raises(TinybenchError) as err:
        load_dataset(tmp_path, load_workload("kws01"))
    assert "row 2" in err.value.message and "tst_000001_Yes_9.bin is missing" in err.value.message


def test_wrong_size_and_unreadable_are_all_reported(tmp_path: Path) -> None:
    _kws_set(tmp_path)
    (tmp_path / "tst_000000_Yes_9.bin").write_bytes(bytes(489))
    (tmp_path / "tst_000002_Yes_9.bin").unlink()
    (tmp_path / "tst_000002_Yes_9.bin").mkdir()  # a directory where a file should be: unreadable
    with pytest.raises(TinybenchError) as err:
        load_dataset(tmp_path, load_workload("kws01"))
    msg = err.value.message
    assert "2 problem(s)" in msg
    assert "row 1" in msg and "has 489 bytes, expected 490" in msg
    assert "row 3" in msg and "unreadable" in msg


def test_bad_rows_are_rejected(tmp_path: Path) -> None:
    _kws_set(tmp_path, n=1)
    (tmp_path / "y_labels.csv").write_text(
        "tst_000000_Yes_9.bin,12,12\ntst_000000_Yes_9.bin,12,1\nonly-a-name.bin\n")
    with pytest.raises(TinybenchError) as err:
        load_dataset(tmp_path, load_workload("kws01"))
    msg = err.value.message
    assert "class 12 outside 0…11" in msg and "listed twice" in msg and "row 3" in msg


def test_missing_index_points_at_the_builders(tmp_path: Path) -> None:
    with pytest.raises(TinybenchError) as err:
        load_dataset(tmp_path, load_workload("vww01"))
    assert "y_labels.csv" in err.value.message and "ci-sets" in (err.value.hint or "")


def test_ad_windows_and_sizes(tmp_path: Path, shared: Path) -> None:
    """The real ToyCar sample gives 196 windows; multiples of one frame are accepted, others not."""
    ad = load_workload("ad01")
    sample = shared / "mlperf-tiny" / "samples" / "ad01" / "normal_id_01_00000000_hist_librosa.bin"
    data = sample.read_bytes()
    (tmp_path / "a.bin").write_bytes(data)
    (tmp_path / "b.bin").write_bytes(data[:2560 + 512 * 3])
    (tmp_path / "y_labels.csv").write_text("a.bin,2,0,2560,512\nb.bin, 2, 1\n")
    ds = load_dataset(tmp_path, ad)
    assert [len(e.window_offsets) for e in ds] == [196, 4]
    windows = list(ds.entries[0].windows())
    assert windows[1] == data[512:512 + 2560]
    frames = np.frombuffer(data, dtype="<f4").reshape(200, 128)
    assert np.array_equal(np.frombuffer(windows[3], dtype="<f4"), frames[3:8].reshape(-1))
    (tmp_path / "b.bin").write_bytes(data + b"\0")
    with pytest.raises(TinybenchError, match=r"b\.bin .*has 102401 bytes"):
        load_dataset(tmp_path, ad)


def test_ad_window_columns_must_match_the_run_rules(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(bytes(102_400))
    (tmp_path / "y_labels.csv").write_text("a.bin,2,0,2560,256\n")
    with pytest.raises(TinybenchError, match="window/stride 2560/256"):
        load_dataset(tmp_path, load_workload("ad01"))
