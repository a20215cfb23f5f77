"""Dataset builders on real material: the ../shared speech clips, scikit-image photos, ToyCar layout."""

from __future__ import annotations

import csv
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from tinybench.errors import TinybenchError
from tinybench.workloads import load_dataset, load_workload
from tinybench.workloads.builders import build_dataset
from tinybench.workloads.reference import TflmModel

MARVIN = "marvin_617de221_0.wav"


def _no_index(tmp_path: Path) -> Path:
    return tmp_path / "no-official-index.csv"


def _kws_outputs(ds, model: Path) -> np.ndarray:  # noqa: ANN001
    tflm = TflmModel(ds.workload, model)
    return np.stack([tflm.run(np.frombuffer(e.read(), dtype=np.int8)) for e in ds])


def test_kws_builder_on_the_shared_speech(tmp_path: Path, shared: Path, official_models: dict) -> None:
    audio = shared / "mlperf-tiny" / "audio"
    src = tmp_path / "src"
    (src / "marvin").mkdir(parents=True)
    (src / "_unknown_").mkdir()
    shutil.copy(audio / MARVIN, src / "marvin" / MARVIN)
    shutil.copy(audio / "short_wav_easy10s.wav", src / "_unknown_" / "long.wav")
    w = load_workload("kws01")
    index = build_dataset(w, src, tmp_path / "out", official_index=_no_index(tmp_path))
    assert index.read_text().splitlines() == ["tst_000000_Unknown_11.bin,12,11",
                                              "tst_000001_Unknown_11.bin,12,11"]
    ds = load_dataset(index.parent, w)
    sources = {r["source"]: r["file"] for r in csv.DictReader(open(index.parent / "sources.csv"))}
    assert set(sources) == {f"marvin/{MARVIN}", "_unknown_/long.wav"}
    outputs = dict(zip((e.name for e in ds), _kws_outputs(ds, official_models["kws01"])))
    # "marvin" is not one of the ten keywords: the official model must call it _unknown_.
    marvin_out = outputs[sources[f"marvin/{MARVIN}"]]
    assert int(np.argmax(marvin_out)) == w.output_labels.index("_unknown_")


def test_kws_zero_padding_gives_the_published_padded_frame_values(tmp_path: Path, shared: Path) -> None:
    """A 0.5 s clip is padded with zeros; the doc's check: padded frames have c0 = −128, c1…9 = zp 83."""
    rate, pcm = wavfile.read(shared / "mlperf-tiny" / "audio" / MARVIN)
    (tmp_path / "src" / "yes").mkdir(parents=True)
    wavfile.write(tmp_path / "src" / "yes" / "half.wav", rate, pcm[:8000])
    w = load_workload("kws01")
    index = build_dataset(w, tmp_path / "src", tmp_path / "out")
    mfcc = np.frombuffer((index.parent / "tst_000000_Yes_9.bin").read_bytes(), dtype=np.int8).reshape(49, 10)
    first_silent = (8000 + 319) // 320          # first 480-sample frame starting at or after sample 8000
    assert np.all(mfcc[first_silent:, 0] == -128)
    assert np.all(mfcc[first_silent:, 1:] == 83)
    assert not np.all(mfcc[:first_silent - 2, 0] == -128)


def test_kws_clean_synthesized_keywords_well_above_chance(ci_dataset) -> None:  # noqa: ANN001
    """flite/espeak-ng keywords (clean) through the KWS builder, classified by the official model in TFLM."""
    from tinybench.workloads.reference import load_reference

    folder = ci_dataset("kws01")
    w = load_workload("kws01")
    ds = load_dataset(folder, w)
    ref = load_reference(folder, ds)
    sources = {r["file"]: r["source"] for r in csv.DictReader(open(folder / "sources.csv"))}
    clean = [e for e in ds if e.label < 10 and sources[e.name].endswith("-clean.wav")]
    assert len(clean) == 100
    correct = sum(int(np.argmax(ref.outputs_for(e.name)[0])) == e.label for e in clean)
    accuracy = correct / len(clean)
    print(f"clean synthesized keywords: Top-1 {100 * accuracy:.1f} % (chance {100 / 12:.1f} %)")
    assert accuracy >= 0.5


def test_kws_rejects_wrong_rate_and_unreadable_audio(tmp_path: Path) -> None:
    (tmp_path / "a" / "go").mkdir(parents=True)
    wavfile.write(tmp_path / "a" / "go" / "x.wav", 8000, np.zeros(8000, dtype=np.int16))
    with pytest.raises(TinybenchError, match=r"x\.wav is sampled at 8000 Hz"):
        build_dataset(load_workload("kws01"), tmp_path / "a", tmp_path / "o")
    (tmp_path / "b" / "go").mkdir(parents=True)
    (tmp_path / "b" / "go" / "broken.wav").write_bytes(b"RIFF\x00\x00not a wav")
    with pytest.raises(TinybenchError, match=r"cannot read audio file .*broken\.wav"):
        build_dataset(load_workload("kws01"), tmp_path / "b", tmp_path / "o2")
    assert not (tmp_path / "o2" / "y_labels.csv").exists()


def _png(path: Path, rgb: np.ndarray) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)


def test_vww_resize_matches_scikit_image_bit_for_bit(tmp_path: Path) -> None:
    import skimage.data
    from skimage.transform import resize

    photo = skimage.data.astronaut()
    _png(tmp_path / "src" / "person" / "COCO_val2014_000000000724.png", photo)
    w = load_workload("vww01")
    index = build_dataset(w, tmp_path / "src", tmp_path / "out", official_index=_no_index(tmp_path))
    assert index.read_text().strip() == "000000000724.bin,2,1"
    expected = (255 * resize(photo, (96, 96), anti_aliasing=True)).astype(np.uint8)
    assert (index.parent / "000000000724.bin").read_bytes() == expected.tobytes()


def test_vww_selects_the_official_list_in_index_order(tmp_path: Path) -> None:
    import skimage.data

    cat, coffee = skimage.data.chelsea(), skimage.data.coffee()
    _png(tmp_path / "src" / "non_person" / "000000000005.png", cat)
    _png(tmp_path / "src" / "non_person" / "000000000003.png", coffee)
    _png(tmp_path / "src" / "person" / "000000000009.png", skimage.data.astronaut())
    official = tmp_path / "official.csv"
    official.write_text("000000000005.bin,2,0\n000000000003.bin,2,0\n")
    index = build_dataset(load_workload("vww01"), tmp_path / "src", tmp_path / "out", official_index=official)
    assert [r.split(",")[0] for r in index.read_text().split()] == ["000000000005.bin", "000000000003.bin"]
    official.write_text("000000000005.bin,2,0\n000000000777.bin,2,1\n")   # not all in source: build all
    index = build_dataset(load_workload("vww01"), tmp_path / "src", tmp_path / "out2", official_index=official)
    assert index.read_text().split()[0] == "000000000009.bin,2,1"      # person rows first
    assert len(index.read_text().split()) == 3


def test_vww_unreadable_image_is_named(tmp_path: Path) -> None:
    (tmp_path / "src" / "person").mkdir(parents=True)
    (tmp_path / "src" / "person" / "000000000001.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    with pytest.raises(TinybenchError, match=r"cannot read image file .*000000000001\.jpg"):
        build_dataset(load_workload("vww01"), tmp_path / "src", tmp_path / "out")


def _cifar_batch(path: Path, images: np.ndarray, labels: list[int], names: list[str]) -> None:
    planar = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps({b"data": planar, b"labels": labels,
                                   b"filenames": [n.encode() for n in names]}))


def test_ic_builder_converts_planar_to_hwc_and_follows_the_official_order(tmp_path: Path) -> None:
    import skimage.data
    from skimage.transform import resize

    photos = [skimage.data.chelsea(), skimage.data.coffee(), skimage.data.rocket()]
    images = np.stack([(255 * resize(p, (32, 32), anti_aliasing=True)).astype(np.uint8) for p in photos])
    names = ["cat_s_000001.png", "mug_s_000002.png", "rocket_s_000003.png"]
    _cifar_batch(tmp_path / "src" / "cifar-10-batches-py" / "test_batch", images, [3, 5, 0], names)
    official = tmp_path / "official.csv"
    official.write_text("rocket_s_000003.bin,10,0\ncat_s_000001.bin,10,3\n")
    index = build_dataset(load_workload("ic01"), tmp_path / "src", tmp_path / "out", official_index=official)
    assert index.read_text().split() == ["rocket_s_000003.bin,10,0", "cat_s_000001.bin,10,3"]
    got = np.frombuffer((index.parent / "cat_s_000001.bin").read_bytes(), dtype=np.uint8)
    assert np.array_equal(got.reshape(32, 32, 3), images[0])   # HWC, R G B per pixel


def test_ic_corrupt_batch_is_named(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(TinybenchError, match=r"cannot read CIFAR-10 batch .*test_batch"):
        build_dataset(load_workload("ic01"), tmp_path / "src", tmp_path / "out")


def test_ad_builder_reproduces_the_toycar_file_layout(tmp_path: Path, shared: Path) -> None:
    """A 10 s 16 kHz clip → a file shaped like the real sample; white-noise level matches the analytic value."""
    sample = shared / "mlperf-tiny" / "samples" / "ad01" / "normal_id_01_00000000_hist_librosa.bin"
    rng = np.random.default_rng(1)
    sigma = 0.1
    noise = (rng.standard_normal(160_000) * sigma * 32768).astype(np.int16)
    (tmp_path / "src").mkdir()
    wavfile.write(tmp_path / "src" / "normal_id_01_00000007.wav", 16_000, noise)
    w = load_workload("ad01")
    index = build_dataset(w, tmp_path / "src", tmp_path / "out", official_index=_no_index(tmp_path))
    assert index.read_text().strip() == "normal_id_01_00000007_hist_librosa.bin,2,0,2560,512"
    out = index.parent / "normal_id_01_00000007_hist_librosa.bin"
    assert out.stat().st_size == sample.stat().st_size == 102_400
    feats = np.frombuffer(out.read_bytes(), dtype="<f4").reshape(200, 128)
    # White noise of variance s² through a periodic Hann window (Σw² = 3·1024/8) into area-normalised
    # Slaney mel bands (Σ weights ≈ 1/Δf, Δf = 16000/1024 Hz): mean band power = s²·384/15.625.
    expected_db = 10 * np.log10(sigma ** 2 * 384 / 15.625)
    band_db = 10 * np.log10(np.mean(10 ** (feats[:, 40:].astype(np.float64) / 10), axis=0))
    assert np.all(np.abs(band_db - expected_db) < 0.5)
    ds = load_dataset(index.parent, w)
    assert len(ds.entries[0].window_offsets) == 196


def test_ad_builder_selects_official_rows_and_rejects_short_clips(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    for name in ("normal_id_01_00000003", "anomaly_id_01_00000003", "normal_id_01_00000004"):
        wavfile.write(tmp_path / "src" / f"{name}.wav", 16_000, np.zeros(160_000, dtype=np.int16) + 5)
    official = tmp_path / "official.csv"
    official.write_text("anomaly_id_01_00000003_hist_librosa.bin,2,1,2560,512\n"
                        "normal_id_01_00000003_hist_librosa.bin,2,0,2560,512\n")
    index = build_dataset(load_workload("ad01"), tmp_path / "src", tmp_path / "out", official_index=official)
    assert [r.split(",")[0][:12] for r in index.read_text().split()] == ["anomaly_id_0", "normal_id_01"]
    wavfile.write(tmp_path / "src" / "normal_id_01_00000005.wav", 16_000, np.zeros(16_000, dtype=np.int16))
    with pytest.raises(TinybenchError, match=r"normal_id_01_00000005\.wav: clip has 16000 samples"):
        build_dataset(load_workload("ad01"), tmp_path / "src", tmp_path / "out2")


def test_ad_builder_uses_test_clips_not_train_clips(tmp_path: Path) -> None:
    """dev_data_ToyCar holds train/ and test/ clips with the same names; only test/ is evaluated."""
    for part, level in (("train", 0), ("test", 3000)):
        folder = tmp_path / "ToyCar" / part
        folder.mkdir(parents=True)
        rng = np.random.default_rng(7)
        pcm = (rng.standard_normal(160_000) * level).astype(np.int16)
        wavfile.write(folder / "normal_id_01_00000000.wav", 16_000, pcm)
    index = build_dataset(load_workload("ad01"), tmp_path, tmp_path / "out", official_index=_no_index(tmp_path))
    sources = list(csv.DictReader(open(index.parent / "sources.csv")))
    assert [s["source"] for s in sources] == ["ToyCar/test/normal_id_01_00000000.wav"]
    feats = np.frombuffer((index.parent / "normal_id_01_00000000_hist_librosa.bin").read_bytes(), dtype="<f4")
    assert feats.mean() > -100   # the silent train clip would give ≈ −156 dB (log of eps)
