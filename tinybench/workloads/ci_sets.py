"""Offline CI data sets: small, deterministic, built from raw material on this machine through the
same builders users run on the public data sets.

Why: the official ``.bin`` inputs are not redistributable and CI has no internet, but accuracy mode
must still be exercised end to end on real signals. Each generator writes raw files in the layout the
workload's builder expects (word folders of 16 kHz WAVs, person/non_person image folders, a CIFAR-10
python batch, ToyCar-style WAV names), then calls that builder, then runs the TFLM reference.

Raw material (all on the machine, nothing downloaded):
- kws01: the real "marvin" Speech Commands clip in ``../shared/mlperf-tiny/audio`` (unknown class);
  the 10 keywords and 8 other words spoken by Debian's ``flite`` (5 voices) and ``espeak-ng``
  (5 voice/rate settings), each clean and with white noise at 20 or 10 dB SNR; silence = noise only
  (white, pink, brown at several levels). Noise comes from a seeded numpy generator.
- vww01: scikit-image's bundled photos (astronaut, camera = person; chelsea, coffee, rocket,
  motorcycle, … = no person; CC0 / public domain per scikit-image's docs) and matplotlib's
  ``grace_hopper.jpg`` (person; US Navy photo, public domain) with deterministic crops and flips, plus
  10 faces and 10 non-face patches of the LFW subset scikit-image ships (25×25 grey: the model rarely
  sees a person in those upscaled face crops, which is kept as an honest hard case).
  Greyscale is replicated to RGB, as the VWW pipeline does.
- ic01: the only bundled photos that show a CIFAR-10 class: ``chelsea`` (cat) and ``horse``
  (a horse silhouette), as crops/flips/scales, written as a CIFAR-10 python ``test_batch``.
  Top-1 on this set says little about the model; reference agreement is what it is for.
- ad01: the real ToyCar feature file in ``../shared/mlperf-tiny/samples/ad01`` (normal, copied as-is)
  plus 10 s machine sounds synthesised from that sample's own mean log-mel spectrum (shaped noise +
  a jittered motor harmonic series = normal; the same with added bearing whine, impacts or
  harmonic shift = anomaly), converted by the AD log-mel builder.

Caching: ``<cache>/datasets/ci/<workload>`` with a ``ci.json`` stamp; a file lock makes concurrent
callers (pytest-xdist workers) wait for one builder; the set is built in a temporary folder and moved
into place only when complete.
"""

from __future__ import annotations

import json
import math
import pickle
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from tinybench import fsutil, paths
from tinybench.errors import TinybenchError

GENERATOR_VERSION = 1
CI_WORKLOADS = ("kws01", "vww01", "ic01", "ad01")
CI_NOTE = "CI set — not the official evaluation set"


def default_parent() -> Path:
    return paths.cache_dir() / "datasets" / "ci"


def generator_fingerprint(workload_id: str) -> str:
    """sha256 over the code and definition that make a CI set, so edited code never reuses a stale set."""
    package = Path(__file__).parent
    parts = [str(GENERATOR_VERSION), workload_id]
    for path in sorted([*package.glob("*.py"), *package.glob("builders/*.py"),
                        paths.workloads_dir() / f"{workload_id}.yaml"]):
        parts.append(fsutil.sha256_file(path))
    return fsutil.sha256_bytes("\n".join(parts).encode())


def ci_set_note(directory: Path) -> str | None:
    """``CI_NOTE`` when ``directory`` is an offline CI set (it carries a ``ci.json`` stamp), else None.

    Why: a quality-target verdict on a CI set must never be mistaken for one on the official set.
    """
    try:
        stamp = json.loads((Path(directory) / "ci.json").read_text())
    except (OSError, ValueError):
        return None
    return str(stamp.get("note") or CI_NOTE) if isinstance(stamp, dict) else None


def _is_current(target: Path, workload_id: str) -> bool:
    stamp = target / "ci.json"
    if not stamp.is_file() or not (target / "reference.npz").is_file():
        return False
    try:
        return json.loads(stamp.read_text()).get("fingerprint") == generator_fingerprint(workload_id)
    except (OSError, ValueError):
        return False


def _model_for(workload) -> Path:  # noqa: ANN001 (Workload)
    from tinybench.workloads.models import fetch_model, model_path

    try:
        return model_path(workload)
    except TinybenchError:
        shared = paths.shared_dir()
        if shared is None:
            raise
        return fetch_model(workload, mirror=shared / "mlperf-tiny" / "models")


def ensure_ci_set(workload_id: str, *, parent: Path | None = None, force: bool = False) -> Path:
    """The CI data set folder of ``workload_id`` (with ``reference.npz``), building it if needed."""
    from tinybench.workloads import load_dataset, load_workload
    from tinybench.workloads.builders import build_dataset
    from tinybench.workloads.reference import load_reference, run_reference
    from tinybench.workloads.scoring import score_reference

    if workload_id not in _GENERATORS:
        raise TinybenchError(f"no CI set for {workload_id}", f"choose one of {', '.join(CI_WORKLOADS)}")
    workload = load_workload(workload_id)
    parent = Path(parent) if parent else default_parent()
    target = parent / workload_id
    with fsutil.exclusive_lock(parent / f".{workload_id}.lock"):
        if not force and _is_current(target, workload_id):
            return target
        model = _model_for(workload)
        work = Path(tempfile.mkdtemp(prefix=f".{workload_id}.", dir=parent))
        try:
            raw, out = work / "raw", work / "set"
            raw.mkdir()
            _GENERATORS[workload_id](raw)
            build_dataset(workload, raw, out, official_index=work / "no-official-index")
            if workload_id == "ad01":
                _add_real_ad_sample(out)
            dataset = load_dataset(out, workload)
            run_reference(dataset, model)
            score = score_reference(dataset, load_reference(out, dataset))
            fsutil.atomic_write_json(out / "ci.json", {
                "note": CI_NOTE, "workload": workload_id, "generator_version": GENERATOR_VERSION,
                "fingerprint": generator_fingerprint(workload_id),
                "files": len(dataset), "tflm_reference": score})
            _install(out, target, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def _same_content(a: Path, b: Path) -> bool:
    """Same index, same input bytes (sources.csv holds their sha256) and same reference outputs."""
    for name in ("y_labels.csv", "sources.csv"):
        if not (a / name).is_file() or not (b / name).is_file() \
                or (a / name).read_bytes() != (b / name).read_bytes():
            return False
    try:
        with np.load(a / "reference.npz") as ra, np.load(b / "reference.npz") as rb:
            return all(np.array_equal(ra[k], rb[k]) for k in ("outputs", "entry", "offset"))
    except (OSError, ValueError, KeyError):
        return False


def _install(new: Path, target: Path, work: Path) -> None:
    """Move a finished set into place. When only the code fingerprint changed and the content is
    byte-identical (the usual case after an unrelated edit), keep the folder and refresh the stamp,
    so a run reading the set at that moment is never disturbed."""
    if target.exists() and _same_content(new, target):
        fsutil.atomic_write_bytes(target / "ci.json", (new / "ci.json").read_bytes())
        return
    if target.exists():
        target.rename(work / "old")
    new.rename(target)


# --- audio helpers ------------------------------------------------------------------------------
def _write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> None:
    from scipy.io import wavfile

    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    buffer = _BytesSink()
    wavfile.write(buffer, rate, pcm)
    fsutil.atomic_write_bytes(path, buffer.getvalue())


class _BytesSink:
    """Minimal binary sink for scipy's wavfile writer (it needs write/seek/tell)."""

    def __init__(self) -> None:
        import io

        self._buf = io.BytesIO()

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._buf, name)


def _resample_to_16k(x: np.ndarray, rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate == 16_000:
        return x
    g = math.gcd(rate, 16_000)
    return resample_poly(x, 16_000 // g, rate // g).astype(np.float32)


def _fit_one_second(x: np.ndarray, peak: float = 0.5) -> np.ndarray:
    """Trim silence (5 % of peak, 50 ms margin), centre in 16,000 samples, scale to ``peak``."""
    env = np.abs(x)
    loud = np.flatnonzero(env > 0.05 * env.max())
    x = x[max(0, loud[0] - 800):loud[-1] + 800][:16_000]
    out = np.zeros(16_000, dtype=np.float32)
    start = (16_000 - x.size) // 2
    out[start:start + x.size] = x * (peak / np.abs(x).max())
    return out


def _coloured_noise(rng: np.random.Generator, n: int, colour: str) -> np.ndarray:
    white = rng.standard_normal(n)
    if colour == "white":
        noise = white
    else:
        spectrum = np.fft.rfft(white)
        f = np.arange(spectrum.size, dtype=np.float64)
        f[0] = 1.0
        spectrum /= np.sqrt(f) if colour == "pink" else f
        noise = np.fft.irfft(spectrum, n)
    return (noise / np.sqrt(np.mean(noise ** 2))).astype(np.float32)


def _add_noise(x: np.ndarray, rng: np.random.Generator, snr_db: float) -> np.ndarray:
    signal_power = float(np.mean(x[np.abs(x) > 0.01 * np.abs(x).max()] ** 2))
    noise = _coloured_noise(rng, x.size, "white") * math.sqrt(signal_power / 10 ** (snr_db / 10))
    return np.clip(x + noise, -1.0, 1.0)


# --- kws01 --------------------------------------------------------------------------------------
KWS_KEYWORDS = ("down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes")
KWS_OTHER_WORDS = ("bed", "bird", "cat", "dog", "happy", "house", "tree", "seven")
# (tool, voice, rate): flite duration_stretch / espeak-ng words per minute.
KWS_VOICES = (("flite", "kal16", 1.0), ("flite", "slt", 1.0), ("flite", "awb", 1.1),
              ("flite", "rms", 0.9), ("flite", "kal", 1.0),
              ("espeak-ng", "en-us+m3", 150), ("espeak-ng", "en-gb+f3", 130), ("espeak-ng", "en+m1", 180),
              ("espeak-ng", "en-gb-x-rp+f2", 160), ("espeak-ng", "en-us+m7", 140))


def synthesize_word(word: str, tool: str, voice: str, rate: float, scratch: Path) -> np.ndarray:
    """``word`` spoken by flite/espeak-ng, 16 kHz float32 (not yet trimmed)."""
    from scipy.io import wavfile

    out = scratch / "synth.wav"
    if shutil.which(tool) is None:
        raise TinybenchError(f"{tool} is not installed; the KWS CI set speaks its keywords with it",
                             "apt-get install flite espeak-ng (./quickstart.sh --setup does)")
    if tool == "flite":
        cmd = ["flite", "-voice", voice, "--setf", f"duration_stretch={rate}", "-t", word, "-o", str(out)]
    else:
        cmd = ["espeak-ng", "-v", voice, "-s", str(int(rate)), "-w", str(out), word]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise TinybenchError(f"{' '.join(cmd)} failed: {exc}") from exc
    sr, pcm = wavfile.read(out)
    return _resample_to_16k(pcm.astype(np.float32) / 32768.0, int(sr))


def make_kws_raw(raw: Path) -> None:
    """Speech-Commands-style folders: ``<word>/<clip>.wav`` (16 kHz, 1 s) incl. ``_silence_``."""
    from tinybench.workloads.builders.common import read_wav

    rng = np.random.default_rng(20261122)
    scratch = raw / ".scratch"
    scratch.mkdir()
    for v, (tool, voice, rate) in enumerate(KWS_VOICES):
        tag = f"{tool}-{voice.replace('+', '_')}-{rate}"
        for word in KWS_KEYWORDS:
            clip = _fit_one_second(synthesize_word(word, tool, voice, rate, scratch))
            _write_wav(raw / word / f"{tag}-clean.wav", clip)
            snr = 20 if v % 2 == 0 else 10
            _write_wav(raw / word / f"{tag}-snr{snr}.wav", _add_noise(clip, rng, snr))
        if v % 2 == 0:  # other words: half the voices, clean
            for word in KWS_OTHER_WORDS:
                clip = _fit_one_second(synthesize_word(word, tool, voice, rate, scratch))
                _write_wav(raw / word / f"{tag}-clean.wav", clip)
    shared = paths.shared_dir()
    if shared is not None:
        marvin, sr = read_wav(shared / "mlperf-tiny" / "audio" / "marvin_617de221_0.wav")
        marvin = _resample_to_16k(marvin, sr)
        _write_wav(raw / "marvin" / "marvin_617de221_0.wav", marvin)
        for snr in (20, 10):
            _write_wav(raw / "marvin" / f"marvin_617de221_0-snr{snr}.wav", _add_noise(marvin, rng, snr))
    for n, (colour, level) in enumerate((c, l) for c in ("white", "pink", "brown")
                                        for l in (0.003, 0.01, 0.03, 0.1, 0.3)):
        noise = np.clip(_coloured_noise(rng, 16_000, colour) * level, -1, 1)
        _write_wav(raw / "_silence_" / f"noise-{n:02d}-{colour}-{level}.wav", noise)
    shutil.rmtree(scratch)


# --- vww01 / ic01 -------------------------------------------------------------------------------
def _skimage_data_dir() -> Path:
    try:
        import skimage
    except ImportError as exc:
        raise TinybenchError("scikit-image is not installed; the VWW/IC CI sets use its bundled photos",
                             "pip install -e '.[test]'") from exc
    return Path(skimage.__file__).parent / "data"


def _matplotlib_sample_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data"


def _load_rgb(path: Path) -> np.ndarray:
    from tinybench.workloads.builders.common import read_rgb

    return read_rgb(path)


def _variants(img: np.ndarray, n: int) -> list[np.ndarray]:
    """Deterministic views of one photo: full, centre 80 %, flipped, and off-centre 70 % crops."""
    h, w = img.shape[:2]

    def crop(fy: float, fx: float, frac: float) -> np.ndarray:
        ch, cw = int(h * frac), int(w * frac)
        y0, x0 = int((h - ch) * fy), int((w - cw) * fx)
        return img[y0:y0 + ch, x0:x0 + cw]

    views = [img, crop(0.5, 0.5, 0.8), img[:, ::-1], crop(0.2, 0.3, 0.7), crop(0.8, 0.7, 0.7),
             crop(0.5, 0.5, 0.6)[:, ::-1], crop(0.3, 0.6, 0.85), crop(0.6, 0.4, 0.9)[:, ::-1]]
    return views[:n]


def _save_png(path: Path, rgb: np.ndarray) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG")
    fsutil.atomic_write_bytes(path, buffer.getvalue())


VWW_PERSON = {"astronaut.png": 6, "camera.png": 6}
VWW_MPL_PERSON = {"grace_hopper.jpg": 6}   # matplotlib's sample photo (US Navy, public domain)
VWW_NO_PERSON = {"chelsea.png": 3, "coffee.png": 3, "rocket.jpg": 3, "motorcycle_left.png": 3,
                 "brick.png": 2, "grass.png": 2, "gravel.png": 2, "hubble_deep_field.jpg": 2,
                 "moon.png": 2, "coins.png": 2, "horse.png": 2, "ihc.png": 2, "clock_motion.png": 2,
                 "retina.jpg": 2, "color.png": 1, "page.png": 1}
VWW_LFW_EACH = 10


def make_vww_raw(raw: Path) -> None:
    """``person/`` and ``non_person/`` PNGs from scikit-image's bundled photos."""
    data = _skimage_data_dir()
    for folder, table in (("person", VWW_PERSON), ("non_person", VWW_NO_PERSON)):
        for name, count in table.items():
            for k, view in enumerate(_variants(_load_rgb(data / name), count)):
                _save_png(raw / folder / f"{Path(name).stem}-v{k}.png", view)
    mpl = _matplotlib_sample_dir()
    for name, count in VWW_MPL_PERSON.items():
        for k, view in enumerate(_variants(_load_rgb(mpl / name), count)):
            _save_png(raw / "person" / f"{Path(name).stem}-v{k}.png", view)
    lfw = np.load(data / "lfw_subset.npy")  # 100 faces, then 100 non-faces, 25×25 in [0, 1]
    for i in range(VWW_LFW_EACH):
        for folder, idx in (("person", i), ("non_person", 100 + i)):
            grey = (lfw[idx] * 255.0).round().astype(np.uint8)
            _save_png(raw / folder / f"lfw-{idx:03d}.png", np.repeat(grey[:, :, None], 3, axis=2))


IC_PHOTOS = {"chelsea.png": 3, "horse.png": 7}   # CIFAR-10 class index: cat 3, horse 7
IC_VARIANTS = 8


def make_ic_raw(raw: Path) -> None:
    """A CIFAR-10 python ``test_batch`` (planar rows, labels, file names) from the bundled photos."""
    from tinybench.workloads.features import resize_like_skimage

    data = _skimage_data_dir()
    rows, labels, names = [], [], []
    for name, label in IC_PHOTOS.items():
        rgba_free = _load_rgb(data / name)
        for k, view in enumerate(_variants(rgba_free, IC_VARIANTS)):
            small = (255.0 * resize_like_skimage(view, 32, 32)).astype(np.uint8)
            rows.append(small.transpose(2, 0, 1).reshape(-1))
            labels.append(label)
            names.append(f"{Path(name).stem}_s_{k:06d}.png".encode())
    batch = {b"batch_label": b"tinybench CI batch", b"labels": labels,
             b"data": np.stack(rows).astype(np.uint8), b"filenames": names}
    fsutil.atomic_write_bytes(raw / "test_batch", pickle.dumps(batch, protocol=2))


# --- ad01 ---------------------------------------------------------------------------------------
AD_SAMPLE = "normal_id_01_00000000_hist_librosa.bin"
AD_NORMAL = 16
AD_ANOMALY = 16


def _real_ad_sample() -> Path:
    shared = paths.shared_dir()
    path = shared / "mlperf-tiny" / "samples" / "ad01" / AD_SAMPLE if shared else None
    if path is None or not path.is_file():
        raise TinybenchError("the real ToyCar feature sample is missing (../shared/mlperf-tiny/samples/ad01)",
                             "set TINYBENCH_SHARED to the shared data folder")
    return path


def _envelope_gain(sample: Path, n_fft: int = 1024, rate: int = 16_000) -> np.ndarray:
    """Linear-frequency amplitude gain following the real sample's mean log-mel spectrum."""
    from tinybench.workloads.features import _hz_to_mel_slaney, _mel_to_hz_slaney

    logmel = np.fromfile(sample, dtype="<f4").reshape(200, 128).astype(np.float64)
    mean_db = logmel.mean(axis=0)
    edges = _mel_to_hz_slaney(np.linspace(_hz_to_mel_slaney(0.0), _hz_to_mel_slaney(rate / 2), 130))
    centres = edges[1:-1]
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    db = np.interp(freqs, centres, mean_db)
    return 10.0 ** ((db - db.max()) / 20.0)


def _machine_sound(rng: np.random.Generator, gain: np.ndarray, anomaly: int | None,
                   strength: float = 1.0) -> np.ndarray:
    """10 s at 16 kHz: noise shaped like the ToyCar spectrum + a jittered motor tone; optional defect.

    ``strength`` scales the defect, so weak anomalies overlap the normal clips (a non-trivial AUC).
    All clips share one RMS level (≈ the real sample's −28 dB mean log-mel).
    """
    rate, n = 16_000, 160_000
    t = np.arange(n) / rate
    spec = np.fft.rfft(rng.standard_normal(n))
    spec *= np.interp(np.fft.rfftfreq(n, 1.0 / rate), np.fft.rfftfreq(1024, 1.0 / rate), gain)
    x = np.fft.irfft(spec, n)
    x /= np.sqrt(np.mean(x ** 2))
    f0 = rng.uniform(90, 140)
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t))) / rate
    motor = sum((0.3 / h) * np.sin(h * phase) for h in range(1, 6))
    x = x + motor
    a = strength
    if anomaly == 0:      # bearing whine
        x += a * 0.8 * np.sin(2 * np.pi * rng.uniform(2500, 5000) * t)
    elif anomaly == 1:    # periodic impacts
        period = int(rate / rng.uniform(3, 8))
        clicks = np.zeros(n)
        clicks[::period] = a * 25.0
        x += np.convolve(clicks, np.exp(-np.arange(200) / 30.0) * rng.standard_normal(200), "same")
    elif anomaly == 2:    # shifted, stronger harmonics (load change)
        x += a * sum((0.9 / h) * np.sin(h * 2.7 * phase) for h in range(1, 8))
    elif anomaly == 3:    # broadband rattle bursts
        bursts = (np.sin(2 * np.pi * rng.uniform(1, 3) * t) > 0.6).astype(float)
        x += a * 2.0 * bursts * rng.standard_normal(n)
    return np.clip(0.022 * x / np.sqrt(np.mean(x ** 2)), -1.0, 1.0).astype(np.float32)


def make_ad_raw(raw: Path) -> None:
    """ToyCar-named 10 s WAVs: ``normal_id_05_*`` and ``anomaly_id_05_*`` (id 05 marks synthetic)."""
    gain = _envelope_gain(_real_ad_sample())
    rng = np.random.default_rng(5512)
    for i in range(AD_NORMAL):
        _write_wav(raw / f"normal_id_05_{i:08d}.wav", _machine_sound(rng, gain, None))
    for i in range(AD_ANOMALY):
        strength = 0.1 + 0.9 * (i // 4) / max(1, (AD_ANOMALY - 1) // 4)   # 0.1 … 1.0 per defect type
        _write_wav(raw / f"anomaly_id_05_{i:08d}.wav", _machine_sound(rng, gain, i % 4, strength))


def _add_real_ad_sample(out: Path) -> None:
    """Put the real ToyCar feature file first in the set (a normal clip, label 0)."""
    data = _real_ad_sample().read_bytes()
    fsutil.atomic_write_bytes(out / AD_SAMPLE, data)
    index = out / "y_labels.csv"
    fsutil.atomic_write_text(index, f"{AD_SAMPLE},2,0,2560,512\n" + index.read_text())
    sources = out / "sources.csv"
    lines = sources.read_text().splitlines()
    lines.insert(1, f"{AD_SAMPLE},../shared/mlperf-tiny/samples/ad01/{AD_SAMPLE},{fsutil.sha256_bytes(data)}")
    fsutil.atomic_write_text(sources, "\n".join(lines) + "\n")


_GENERATORS: dict[str, Callable[[Path], None]] = {
    "kws01": make_kws_raw, "vww01": make_vww_raw, "ic01": make_ic_raw, "ad01": make_ad_raw,
}
