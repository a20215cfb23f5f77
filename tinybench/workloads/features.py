"""Feature pipelines of the MLPerf Tiny workloads, in numpy/scipy.

Why re-implemented: the reference pipelines run in TensorFlow (KWS MFCC) and librosa 0.6 (AD
log-mel); neither is a tinybench dependency. Every parameter follows
``../shared/docs/workload-preprocessing.md`` (§1 KWS, §2 VWW, §4 AD); the steps are numbered like
that document so a reader can check them one by one.
"""

from __future__ import annotations

import numpy as np

# --- KWS (§1) ---------------------------------------------------------------------------------
KWS_SAMPLE_RATE = 16_000
KWS_CLIP_SAMPLES = 16_000
KWS_FRAME = 480
KWS_STEP = 320
KWS_FFT = 512
KWS_MEL_BINS = 40
KWS_MEL_LOW_HZ = 20.0
KWS_MEL_HIGH_HZ = 4000.0
KWS_MFCC = 10
KWS_LOG_OFFSET = 1e-6


def _hz_to_mel_htk(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def tf_linear_to_mel_matrix(num_mel: int, num_spec_bins: int, sample_rate: int,
                            low_hz: float, high_hz: float) -> np.ndarray:
    """Mel weights like ``tf.signal.linear_to_mel_weight_matrix`` ([spec_bins, mel], DC row zero).

    HTK mel scale; band edges uniform in mel; triangle slopes computed in the mel domain; peak 1.
    """
    freqs = np.linspace(0.0, sample_rate / 2.0, num_spec_bins)[1:]
    spec_mel = _hz_to_mel_htk(freqs)[:, None]
    edges = np.linspace(_hz_to_mel_htk(low_hz), _hz_to_mel_htk(high_hz), num_mel + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    lower_slope = (spec_mel - lower) / (center - lower)
    upper_slope = (upper - spec_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(lower_slope, upper_slope))
    return np.vstack([np.zeros((1, num_mel)), weights]).astype(np.float32)


def kws_mfcc(samples: np.ndarray) -> np.ndarray:
    """49 × 10 float32 MFCCs of one clip (float samples in [-1, 1), any length)."""
    from scipy.fft import dct

    x = np.asarray(samples, dtype=np.float32)[:KWS_CLIP_SAMPLES]
    # 1. peak-normalise by the signed maximum (TF reduce_max); an all-non-positive clip cannot be
    #    normalised that way (TF would produce inf/nan) and is left unscaled.
    peak = float(x.max()) if x.size else 0.0
    if peak > 0:
        x = x / np.float32(peak)
    # 2. zero-pad at the end to 16,000 samples.
    x = np.pad(x, (0, KWS_CLIP_SAMPLES - x.size))
    # 3. STFT: 480-sample frames every 320 samples, periodic Hann, FFT 512, magnitude.
    n_frames = 1 + (KWS_CLIP_SAMPLES - KWS_FRAME) // KWS_STEP
    idx = np.arange(KWS_FRAME)[None, :] + KWS_STEP * np.arange(n_frames)[:, None]
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(KWS_FRAME) / KWS_FRAME)).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(x[idx] * window, n=KWS_FFT, axis=1)).astype(np.float32)
    # 4. 40-band HTK mel filterbank 20–4000 Hz.
    mel_matrix = tf_linear_to_mel_matrix(KWS_MEL_BINS, KWS_FFT // 2 + 1, KWS_SAMPLE_RATE,
                                         KWS_MEL_LOW_HZ, KWS_MEL_HIGH_HZ)
    mel = spectrum @ mel_matrix
    # 5. natural log with offset.
    log_mel = np.log(mel + np.float32(KWS_LOG_OFFSET))
    # 6. unnormalised DCT-II scaled by 1/sqrt(2·40); first 10 coefficients.
    mfcc = dct(log_mel.astype(np.float64), type=2, axis=1) / np.sqrt(2.0 * KWS_MEL_BINS)
    return mfcc[:, :KWS_MFCC].astype(np.float32)


def quantize_astype_int8(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """``(v / scale + zp).astype(int8)`` as the MLCommons scripts do (§1 step 7).

    numpy's float→int8 cast truncates toward zero and does not clamp; out-of-range values are
    undefined in C, and wrap modulo 256 on the platforms the reference files were made on. We make
    that explicit (truncate, then wrap via int64) so the result does not depend on the platform.
    """
    q = np.trunc(np.asarray(values, dtype=np.float32) / np.float32(scale) + np.float32(zero_point))
    return q.astype(np.int64).astype(np.int8)


# --- VWW (§2) ---------------------------------------------------------------------------------
def resize_like_skimage(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """``skimage.transform.resize(image, (out_h, out_w), anti_aliasing=True)`` for uint8 HWC input.

    Returns float64 in [0, 1]. Steps as in scikit-image: convert to float in [0, 1]; Gaussian
    anti-aliasing with sigma = max(0, (factor − 1) / 2) per spatial axis (mode ``mirror``, which is
    skimage's ``reflect``); bilinear interpolation with pixel-centre alignment (``ndimage.zoom``
    with ``grid_mode=True``); clip to the input range.
    """
    from scipy import ndimage

    img = np.asarray(image, dtype=np.float64) / 255.0
    in_h, in_w = img.shape[:2]
    factors = (in_h / out_h, in_w / out_w)
    sigma = tuple(max(0.0, (f - 1.0) / 2.0) for f in factors) + (0.0,) * (img.ndim - 2)
    if any(s > 0 for s in sigma):
        img = ndimage.gaussian_filter(img, sigma, mode="mirror", truncate=4.0)
    zoom = (out_h / in_h, out_w / in_w) + (1.0,) * (img.ndim - 2)
    out = ndimage.zoom(img, zoom, order=1, mode="mirror", grid_mode=True)
    out = out[:out_h, :out_w]
    return np.clip(out, 0.0, 1.0)


def vww_image_bytes(rgb: np.ndarray, size: int = 96) -> bytes:
    """96×96×3 uint8 HWC bytes: skimage-style resize, then ``(255·x).astype(uint8)`` (truncation)."""
    resized = resize_like_skimage(rgb, size, size)
    return (255.0 * resized).astype(np.uint8).tobytes()


# --- AD (§4) ----------------------------------------------------------------------------------
AD_N_FFT = 1024
AD_HOP = 512
AD_N_MELS = 128
AD_FIRST_FRAME = 50
AD_LAST_FRAME = 249          # inclusive → 200 frames
AD_EPS = 2.220446049250313e-16


def _hz_to_mel_slaney(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz_slaney(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def librosa_mel_matrix(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Mel filters like ``librosa.filters.mel`` defaults: Slaney scale, 0…sr/2, Slaney area norm.

    Shape [n_mels, 1 + n_fft/2].
    """
    fft_freqs = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2)
    mel_pts = _mel_to_hz_slaney(np.linspace(_hz_to_mel_slaney(0.0), _hz_to_mel_slaney(sample_rate / 2.0),
                                            n_mels + 2))
    fdiff = np.diff(mel_pts)
    ramps = mel_pts[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_pts[2:n_mels + 2] - mel_pts[:n_mels])
    return weights * enorm[:, None]


def ad_log_mel(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """200 × 128 float32 log-mel frames (frames 50…249) of one clip, frame-major.

    librosa ``melspectrogram(n_fft=1024, hop=512, n_mels=128, power=2)`` with centred, zero-padded
    frames and a periodic Hann window, then 10·log10(mel + eps). Needs ≥ 250 frames (≈ 8 s at 16 kHz).
    """
    y = np.asarray(samples, dtype=np.float32)
    n_frames_total = 1 + y.size // AD_HOP
    if n_frames_total <= AD_LAST_FRAME:
        raise ValueError(f"clip has {y.size} samples = {n_frames_total} frames; "
                         f"the AD pipeline keeps frames {AD_FIRST_FRAME}…{AD_LAST_FRAME}")
    padded = np.pad(y, (AD_N_FFT // 2, AD_N_FFT // 2))
    frames = np.arange(AD_FIRST_FRAME, AD_LAST_FRAME + 1)
    idx = frames[:, None] * AD_HOP + np.arange(AD_N_FFT)[None, :]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(AD_N_FFT) / AD_N_FFT)
    power = np.abs(np.fft.rfft(padded[idx].astype(np.float64) * window, axis=1)) ** 2
    mel = power @ librosa_mel_matrix(sample_rate, AD_N_FFT, AD_N_MELS).T
    return (10.0 * np.log10(mel + AD_EPS)).astype(np.float32)
