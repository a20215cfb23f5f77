"""Official-size timing sets: official file sizes, the requested count, TFLM reference rows that
match the repeated files (so accuracy runs still check bit-exactness), and a label that keeps
their verdicts apart from the official set's."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures_run import cached_dataset

from tinybench.errors import TinybenchError
from tinybench.workloads import load_dataset, load_workload
from tinybench.workloads.ci_sets import ci_set_note
from tinybench.workloads.reference import load_reference
from tinybench.workloads.timing import build_official_size


@pytest.mark.parametrize("workload_id,files", [("kws01", 30), ("ic01", 7)])
def test_official_size_set_repeats_with_reference(tmp_path, workload_id, files):
    source = cached_dataset(workload_id, 4)
    workload = load_workload(workload_id)
    out = build_official_size(workload_id, tmp_path / "set", source=source, files=files)
    ds = load_dataset(out, workload)
    src = load_dataset(source, workload)
    ref, src_ref = load_reference(out, ds), load_reference(source, src)   # sha256 of every file checked
    assert len(ds) == files and all(e.size == workload.dataset.file_bytes for e in ds)
    assert ds.num_inferences == files * len(ds.entries[0].window_offsets)
    for i, entry in enumerate(ds):
        original = src.entries[i % len(src.entries)]
        assert entry.label == original.label
        assert entry.read() == original.read()[:workload.dataset.file_bytes]
        for off in entry.window_offsets:
            assert np.array_equal(ref.expected(entry.name, off), src_ref.expected(original.name, off))
    assert "not the official evaluation set" in (ci_set_note(out) or "")
    with pytest.raises(TinybenchError, match="not empty"):
        build_official_size(workload_id, out, source=source, files=files)


def test_source_without_official_size_files_is_refused(tmp_path):
    """The generated AD test set has 4-window files: an official-size set needs 102,400-byte ones."""
    with pytest.raises(TinybenchError, match="no file of 102400 bytes"):
        build_official_size("ad01", tmp_path / "set", source=cached_dataset("ad01", 4), files=2)
    assert not (tmp_path / "set").exists()
