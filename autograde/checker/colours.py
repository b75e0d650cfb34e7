"""Colour differences as a person sees them: CIELAB and its ΔE.

A per-channel threshold on RGB misjudges what the eye tells apart: a step of
14/255 in green is a clear difference, the same step in blue next to nothing,
and a colormap that spans 14/255 of one channel shows a flat grey square. The
reader therefore compares colours in CIELAB (sRGB, D65 white), where the
Euclidean distance ΔE (CIE 1976) follows perceived difference: about 2.3 is
the smallest difference a person notices side by side, under 10 colours look
alike at a glance, 100 is black against white.
"""
import numpy as np

#: A pixel shows a colour when it is within this ΔE of it: rounding to 8 bits,
#: compositing and image resampling stay well inside it; two neighbouring values
#: of a heatmap are told apart beyond it.
SEEN_MATCH_DELTA_E = 6.0
#: A heatmap shows its values only when the colours of its cells span at least this ΔE
#: (as drawn, over what is behind them): a narrower range reads as one flat colour.
SEEN_MIN_SPREAD = 20.0
#: A text is seen where hiding it changes pixels by at least this ΔE.
SEEN_TEXT_DELTA_E = 10.0

_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65


_LEVELS = np.arange(256) / 255
#: sRGB's 256 levels, linearised (colours are read and compared at the render's 8 bits).
_LINEAR = np.where(_LEVELS <= 0.04045, _LEVELS / 12.92, ((_LEVELS + 0.055) / 1.055) ** 2.4)


def lab(rgb):
    """CIELAB of sRGB colours ``rgb`` (..., 3) in 0-1, taken at 8 bits a channel as rendered."""
    levels = np.rint(np.clip(np.asarray(rgb, dtype=float), 0.0, 1.0) * 255).astype(np.intp)
    xyz = _LINEAR[levels] @ _SRGB_TO_XYZ.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(first, second):
    """ΔE (CIE 1976) between sRGB colours (broadcast over their leading axes)."""
    return np.linalg.norm(lab(first) - lab(second), axis=-1)


def lab_delta_e(first_lab, second_lab):
    """ΔE between colours already in CIELAB."""
    return np.linalg.norm(np.asarray(first_lab) - np.asarray(second_lab), axis=-1)


def spread(rgb):
    """The largest ΔE between any two of the colours ``rgb`` (N, 3): how far apart the
    colours a picture uses are."""
    points = lab(np.asarray(rgb, dtype=float).reshape(-1, 3))
    if len(points) < 2:
        return 0.0
    points = np.unique(np.round(points, 1), axis=0)
    if len(points) > 512:  # the extremes along each axis bound the spread closely enough
        points = points[np.unique(np.concatenate([np.argmin(points, axis=0), np.argmax(points, axis=0)]))]
    return float(np.max(lab_delta_e(points[:, None, :], points[None, :, :])))
