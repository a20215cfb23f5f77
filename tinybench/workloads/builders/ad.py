"""AD builder: DCASE 2020 ToyCar WAVs → 200×128 float32 log-mel files (``*_hist_librosa.bin``).

Each file is 102,400 bytes: frames 50…249 of the log-mel spectrogram, frame-major float32 LE, as
``convert_dataset.py`` writes them. Names: ``<wav stem>_hist_librosa.bin``; label 1 for files whose
name starts with ``anomaly``. Clips under a ``train/`` folder are ignored (the archive holds train
and test clips with identical names; evaluation uses test). When the source holds every clip of the official ``ad01`` index, exactly
those are built in index order; otherwise all clips, normal first (like the official index).
"""

from __future__ import annotations

from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.workloads.builders.common import BuiltInput, read_wav, select_names, write_layout
from tinybench.workloads.definitions import Workload
from tinybench.workloads.features import ad_log_mel

SUFFIX = "_hist_librosa.bin"


def clip_to_features(path: Path) -> bytes:
    """One WAV → the 102,400-byte feature file (float32 little-endian)."""
    samples, rate = read_wav(path)
    try:
        features = ad_log_mel(samples, rate)
    except ValueError as exc:
        raise TinybenchError(f"audio file {path}: {exc}", "AD clips are ~10 s long") from exc
    return features.astype("<f4").tobytes()


def build(workload: Workload, source: Path, out: Path, *, limit: int | None = None,
          official_index: Path | None = None) -> Path:
    wavs: dict[str, Path] = {}
    for path in sorted(source.rglob("*.wav")):
        # dev_data_ToyCar.zip has train/ and test/ clips with the same names: evaluate on test only.
        if "train" in path.relative_to(source).parts[:-1] or not path.stem.startswith(("normal", "anomaly")):
            continue
        name = path.stem + SUFFIX
        if name in wavs:
            raise TinybenchError(f"two clips would both become {name}: {wavs[name]} and {path}",
                                 "point --source at one machine type's test folder (e.g. ToyCar/test)")
        wavs[name] = path
    if not wavs:
        raise TinybenchError(f"no normal_*.wav / anomaly_*.wav clips under {source}",
                             "point --source at the extracted DCASE 2020 dev_data_ToyCar (ToyCar/test)")
    names = select_names(workload.id, wavs, official_index,
                         lambda n: (n.startswith("anomaly"), n), limit)
    rr = workload.run_rules
    extra = (str(rr.window_bytes), str(rr.stride_bytes)) if rr else ()
    inputs = [BuiltInput(n, clip_to_features(wavs[n]), int(n.startswith("anomaly")),
                         str(wavs[n].relative_to(source)), extra) for n in names]
    return write_layout(out, workload.dataset.num_classes, inputs)
