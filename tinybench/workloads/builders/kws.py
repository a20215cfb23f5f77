"""KWS builder: Speech Commands v2 folders → 490-byte int8 MFCC files (``tst_<n>_<Label>_<c>.bin``).

Source layout: the Speech Commands test archive (``<word>/<clip>.wav``, with ``_silence_`` and
``_unknown_`` folders) or the main archive (then only clips in ``testing_list.txt`` are used).
Words outside the 10 commands are ``_unknown_``; ``_background_noise_`` is skipped (the test split
has ready-made silence clips). Order: folders then files sorted by name — TFDS's stored order, which
defines the official 1000, is not reproducible without TFDS (see the preprocessing doc), so the
official index (which names no source clips) cannot select files; ``sources.csv`` records the mapping.
"""

from __future__ import annotations

from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.workloads.builders.common import BuiltInput, read_wav, write_layout
from tinybench.workloads.definitions import Workload
from tinybench.workloads.features import KWS_SAMPLE_RATE, kws_mfcc, quantize_astype_int8

_FILE_LABELS = ["Down", "Go", "Left", "No", "Off", "On", "Right", "Stop", "Up", "Yes", "Silence", "Unknown"]


def clip_to_input(path: Path, workload: Workload) -> bytes:
    """One WAV clip → the 490 int8 bytes the firmware receives."""
    samples, rate = read_wav(path)
    if rate != KWS_SAMPLE_RATE:
        raise TinybenchError(f"audio file {path} is sampled at {rate} Hz; KWS needs {KWS_SAMPLE_RATE} Hz",
                             "resample it to 16 kHz mono (Speech Commands clips already are)")
    q = workload.model.input
    return quantize_astype_int8(kws_mfcc(samples), q.scale, q.zero_point).tobytes()


def _class_of(folder: str, workload: Workload) -> int:
    classes = list(workload.classes)
    return classes.index(folder) if folder in classes else classes.index("_unknown_")


def build(workload: Workload, source: Path, out: Path, *, limit: int | None = None,
          official_index: Path | None = None) -> Path:
    testing_list = source / "testing_list.txt"
    if testing_list.is_file():
        names = [line.strip() for line in testing_list.read_text().splitlines() if line.strip()]
        clips = [source / n for n in sorted(names)]
    else:
        clips = sorted(p for p in source.glob("*/*.wav") if p.parent.name != "_background_noise_")
    if not clips:
        raise TinybenchError(f"no <word>/<clip>.wav files in {source}",
                             "point --source at the extracted Speech Commands v2 (test) archive")
    if limit is not None:
        clips = clips[:limit]
    inputs = []
    for n, clip in enumerate(clips):
        if not clip.is_file():
            raise TinybenchError(f"{clip} is listed in {testing_list} but missing")
        cls = _class_of(clip.parent.name, workload)
        name = f"tst_{n:06d}_{_FILE_LABELS[cls]}_{cls}.bin"
        inputs.append(BuiltInput(name, clip_to_input(clip, workload), cls,
                                 str(clip.relative_to(source))))
    return write_layout(out, workload.dataset.num_classes, inputs)
