"""Color-space conversions as TensorFlow ops (batched, float32, graph-friendly).

All the conversion math lives here, with the constants scikit-image uses, so that
results match ``skimage.color`` (the tests check it) and run inside ``tf.function``
on any device. Every function takes and returns tensors whose last axis holds the
three channels; any leading batch/spatial shape is fine.

- sRGB values are in [0, 1] (gamma-encoded).
- CIE Lab and CIE LUV use the D65 white point, 2° observer: L in [0, 100].
- YUV is the analog-TV (BT.601) transform scikit-image uses; Y in [0, 1].
"""

import numpy as np
import tensorflow as tf

# sRGB primaries -> CIE XYZ (D65), as in scikit-image.
XYZ_FROM_RGB = np.array(
    [[0.412453, 0.357580, 0.180423],
     [0.212671, 0.715160, 0.072169],
     [0.019334, 0.119193, 0.950227]], dtype=np.float64)
RGB_FROM_XYZ = np.linalg.inv(XYZ_FROM_RGB)
WHITE_D65 = np.array([0.95047, 1.0, 1.08883], dtype=np.float64)

YUV_FROM_RGB = np.array(
    [[0.299, 0.587, 0.114],
     [-0.14714119, -0.28886916, 0.43601035],
     [0.61497538, -0.51496512, -0.10001026]], dtype=np.float64)
RGB_FROM_YUV = np.linalg.inv(YUV_FROM_RGB)

# CIE constants (CIE 1976, as written in scikit-image).
_EPSILON = 0.008856  # (6/29)^3
_KAPPA = 7.787        # (29/6)^2 / 3


def _matmul_channels(x, matrix):
    """Applies a 3x3 color matrix to the last axis: out[..., i] = sum_j M[i, j] x[..., j]."""
    m = tf.constant(matrix.T, dtype=x.dtype)
    return tf.tensordot(x, m, axes=[[-1], [0]])


def _to_float(x):
    x = tf.convert_to_tensor(x)
    return x if x.dtype in (tf.float32, tf.float64) else tf.cast(x, tf.float32)


def srgb_to_linear(rgb):
    rgb = _to_float(rgb)
    return tf.where(rgb > 0.04045, tf.pow((tf.maximum(rgb, 0.04045) + 0.055) / 1.055, 2.4), rgb / 12.92)


def linear_to_srgb(linear):
    linear = _to_float(linear)
    return tf.where(linear > 0.0031308,
                    1.055 * tf.pow(tf.maximum(linear, 0.0031308), 1.0 / 2.4) - 0.055,
                    12.92 * linear)


def rgb_to_xyz(rgb):
    return _matmul_channels(srgb_to_linear(rgb), XYZ_FROM_RGB)


def xyz_to_rgb(xyz):
    """XYZ -> sRGB in [0, 1]; out-of-gamut values are clipped, as scikit-image does."""
    return tf.clip_by_value(linear_to_srgb(_matmul_channels(_to_float(xyz), RGB_FROM_XYZ)), 0.0, 1.0)


def _lab_f(t):
    return tf.where(t > _EPSILON, tf.pow(tf.maximum(t, _EPSILON), 1.0 / 3.0), _KAPPA * t + 16.0 / 116.0)


def _lab_f_inv(t):
    return tf.where(t > 0.2068966, t * t * t, (t - 16.0 / 116.0) / _KAPPA)


def xyz_to_lab(xyz):
    xyz = _to_float(xyz) / tf.constant(WHITE_D65, dtype=_to_float(xyz).dtype)
    f = _lab_f(xyz)
    fx, fy, fz = tf.unstack(f, axis=-1)
    return tf.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def lab_to_xyz(lab):
    lab = _to_float(lab)
    lightness, a, b = tf.unstack(lab, axis=-1)
    fy = (lightness + 16.0) / 116.0
    fx = a / 500.0 + fy
    fz = tf.maximum(fy - b / 200.0, 0.0)  # scikit-image clips negative Z the same way
    xyz = _lab_f_inv(tf.stack([fx, fy, fz], axis=-1))
    return xyz * tf.constant(WHITE_D65, dtype=lab.dtype)


def rgb_to_lab(rgb):
    """sRGB [0,1] -> CIE Lab (D65): L in [0,100], a and b roughly in [-128, 127]."""
    return xyz_to_lab(rgb_to_xyz(rgb))


def lab_to_rgb(lab):
    """CIE Lab (D65) -> sRGB [0,1], clipped to the gamut."""
    return xyz_to_rgb(lab_to_xyz(lab))


def _uv_prime(xyz):
    x, y, z = tf.unstack(xyz, axis=-1)
    denom = x + 15.0 * y + 3.0 * z
    # Black has no chromaticity; scikit-image uses denom+eps so u'=v'=0 there. Same here.
    denom = denom + tf.constant(np.finfo(np.float64).eps, dtype=xyz.dtype)
    return 4.0 * x / denom, 9.0 * y / denom


_UN_PRIME, _VN_PRIME = (4.0 * WHITE_D65[0] / (WHITE_D65[0] + 15.0 * WHITE_D65[1] + 3.0 * WHITE_D65[2]),
                        9.0 * WHITE_D65[1] / (WHITE_D65[0] + 15.0 * WHITE_D65[1] + 3.0 * WHITE_D65[2]))


def xyz_to_luv(xyz):
    xyz = _to_float(xyz)
    y = xyz[..., 1] / WHITE_D65[1]
    lightness = tf.where(y > _EPSILON, 116.0 * tf.pow(tf.maximum(y, _EPSILON), 1.0 / 3.0) - 16.0, 903.3 * y)
    u_prime, v_prime = _uv_prime(xyz)
    u = 13.0 * lightness * (u_prime - _UN_PRIME)
    v = 13.0 * lightness * (v_prime - _VN_PRIME)
    return tf.stack([lightness, u, v], axis=-1)


def luv_to_xyz(luv):
    luv = _to_float(luv)
    lightness, u, v = tf.unstack(luv, axis=-1)
    y = tf.where(lightness > 7.999625, tf.pow((lightness + 16.0) / 116.0, 3.0), lightness / 903.3)
    y = y * WHITE_D65[1]
    # Where L == 0 the chromaticity is undefined; the color is black whatever u, v say.
    safe_l = tf.where(lightness > 0, lightness, tf.ones_like(lightness))
    u_prime = u / (13.0 * safe_l) + _UN_PRIME
    v_prime = v / (13.0 * safe_l) + _VN_PRIME
    v_prime = tf.where(tf.abs(v_prime) < 1e-12, tf.fill(tf.shape(v_prime), tf.constant(1e-12, luv.dtype)), v_prime)
    x = 2.25 * u_prime * y / v_prime
    z = (3.0 * y - 0.75 * u_prime * y - 5.0 * v_prime * y) / v_prime
    xyz = tf.stack([x, y, z], axis=-1)
    return tf.where(lightness[..., None] > 0, xyz, tf.zeros_like(xyz))


def rgb_to_luv(rgb):
    """sRGB [0,1] -> CIE LUV (D65): L in [0,100]; u about [-83, 175], v about [-134, 107]."""
    return xyz_to_luv(rgb_to_xyz(rgb))


def luv_to_rgb(luv):
    """CIE LUV (D65) -> sRGB [0,1], clipped to the gamut."""
    return xyz_to_rgb(luv_to_xyz(luv))


def rgb_to_yuv(rgb):
    """sRGB [0,1] -> YUV (BT.601 analog): Y is the luma in [0,1]."""
    return _matmul_channels(_to_float(rgb), YUV_FROM_RGB)


def yuv_to_rgb(yuv):
    """YUV -> sRGB, not clipped (the inverse of ``rgb_to_yuv`` over the whole cube)."""
    return _matmul_channels(_to_float(yuv), RGB_FROM_YUV)


def rgb_to_luma(rgb):
    """BT.601 luma Y' of gamma-encoded sRGB, shape [..., 1]: the gray input of RGB-output models."""
    return rgb_to_yuv(rgb)[..., :1]


def lab_lightness(rgb):
    """CIE L* in [0, 100] of sRGB [0,1], shape [..., 1]; cheaper than a full Lab conversion."""
    linear = srgb_to_linear(rgb)
    y = tf.tensordot(linear, tf.constant(XYZ_FROM_RGB[1], dtype=linear.dtype), axes=[[-1], [0]])[..., None]
    return 116.0 * _lab_f(y / WHITE_D65[1]) - 16.0


# --- 8-bit fast paths for full-resolution colorization ------------------------------------------
# A 12 MP photo has 36 M channel values; the gamma curve's pow() over all of them cost ~2.7 s of a
# 2.8 s colorization on a 2-core CPU. Input and output are 8-bit anyway, so both directions of the
# curve become table look-ups: 256 exact entries from uint8 (inside lab_lightness_from_uint8's tables),
# and a fine table to uint8 whose result differs from exact rounding by at most one level (in under 2 %
# of the darkest pixels).

def _srgb_to_linear_np(v):
    return np.where(v > 0.04045, ((v + 0.055) / 1.055) ** 2.4, v / 12.92)


def _linear_to_srgb_np(v):
    return np.where(v > 0.0031308, 1.055 * np.power(np.maximum(v, 0.0031308), 1 / 2.4) - 0.055, 12.92 * v)


_LINEAR_FROM_UINT8 = _srgb_to_linear_np(np.arange(256) / 255.0).astype(np.float32)
_UINT8_LUT_SIZE = 1 << 18
_UINT8_FROM_LINEAR = np.round(np.clip(_linear_to_srgb_np(np.linspace(0.0, 1.0, _UINT8_LUT_SIZE)), 0, 1)
                              * 255.0).astype(np.uint8)


def uint8_from_linear(linear):
    """Linear RGB -> uint8 sRGB through a 2^18-entry table (clipped to the gamut)."""
    index = tf.cast(tf.round(tf.clip_by_value(linear, 0.0, 1.0) * (_UINT8_LUT_SIZE - 1)), tf.int32)
    return tf.gather(tf.constant(_UINT8_FROM_LINEAR), index)


_Y_FROM_UINT8 = [(_LINEAR_FROM_UINT8 * XYZ_FROM_RGB[1][c]).astype(np.float32) for c in range(3)]
_L_LUT_SIZE = 1 << 16
_Y_GRID = np.linspace(0.0, 1.0, _L_LUT_SIZE)
_L_FROM_Y = (116.0 * np.where(_Y_GRID > _EPSILON, np.cbrt(_Y_GRID), _KAPPA * _Y_GRID + 16.0 / 116.0)
             - 16.0).astype(np.float32)


def lab_lightness_from_uint8(rgb_uint8):
    """CIE L* [..., 1] of uint8 sRGB by table look-ups (within 0.01 of lab_lightness, on 0-100)."""
    index = tf.cast(rgb_uint8, tf.int32)
    y = sum(tf.gather(tf.constant(_Y_FROM_UINT8[c]), index[..., c]) for c in range(3))
    y_index = tf.cast(tf.round(tf.clip_by_value(y, 0.0, 1.0) * (_L_LUT_SIZE - 1)), tf.int32)
    return tf.gather(tf.constant(_L_FROM_Y), y_index)[..., None]


def xyz_to_uint8(xyz):
    """CIE XYZ -> uint8 sRGB (clipped to the gamut), as xyz_to_rgb() then rounding."""
    return uint8_from_linear(_matmul_channels(_to_float(xyz), RGB_FROM_XYZ))


# Lab -> (fx, fy, fz) is affine and XYZ -> linear RGB is linear, so a full-resolution Lab -> uint8
# conversion is two 3x3 products around one elementwise step (the same math as lab_to_rgb).
_F_FROM_LAB = np.array([[1 / 116, 1 / 116, 1 / 116], [1 / 500, 0, 0], [0, 0, -1 / 200]], np.float32)
_LINEAR_FROM_T = (RGB_FROM_XYZ @ np.diag(WHITE_D65)).T.astype(np.float32)


def _linear_from_lab(lab):
    f = tf.tensordot(_to_float(lab), tf.constant(_F_FROM_LAB), axes=[[-1], [0]]) + 16.0 / 116.0
    f = tf.maximum(f, tf.constant([-np.inf, -np.inf, 0.0], tf.float32))  # clip Z as lab_to_xyz does
    t = tf.where(f > 0.2068966, f * f * f, (f - 16.0 / 116.0) / _KAPPA)
    return tf.tensordot(t, tf.constant(_LINEAR_FROM_T), axes=[[-1], [0]])


def lab_to_uint8(lab):
    """CIE Lab -> uint8 sRGB, as to_uint8(lab_to_rgb(lab)) within one level, several times faster."""
    return uint8_from_linear(_linear_from_lab(lab))


def _in_gamut(linear, tolerance):
    return tf.reduce_all((linear >= -tolerance) & (linear <= 1.0 + tolerance), axis=-1)


def _largest_scale_in_gamut(lab, iterations, tolerance):
    """[K, 3] Lab -> [K, 1]: the largest chroma scale (to 1/2^iterations, by bisection) at which
    the colour fits sRGB; 0 (gray) always fits."""
    lightness, chroma = lab[:, :1], lab[:, 1:]
    low, high = tf.zeros_like(lightness), tf.ones_like(lightness)
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        ok = _in_gamut(_linear_from_lab(tf.concat([lightness, chroma * middle], -1)), tolerance)[:, None]
        low, high = tf.where(ok, middle, low), tf.where(ok, high, middle)
    return low


def _fit_outside(lab, linear, iterations, tolerance):
    """(indices of the pixels outside sRGB, their Lab with chroma lowered until they fit): the
    search runs only on those pixels (usually a few percent of a photo)."""
    outside = tf.where(~_in_gamut(linear, tolerance))
    colours = tf.gather_nd(lab, outside)
    scale = _largest_scale_in_gamut(colours, iterations, tolerance)
    return outside, tf.concat([colours[:, :1], colours[:, 1:] * scale], -1)


def fit_chroma_to_gamut(lab, iterations=8, tolerance=1e-3):
    """Lab whose colour sRGB cannot show gets its chroma scaled toward gray, L and hue kept, just
    enough (to 1/2^iterations) that it fits: clipping R, G, B instead would change the lightness,
    which full-resolution colorization promises to keep."""
    lab = _to_float(lab)
    outside, fitted = _fit_outside(lab, _linear_from_lab(lab), iterations, tolerance)
    return tf.tensor_scatter_nd_update(lab, outside, fitted)


def lab_to_uint8_in_gamut(lab, iterations=8, tolerance=1e-3):
    """lab_to_uint8(fit_chroma_to_gamut(lab)), with one full-size Lab -> linear pass instead of two."""
    lab = _to_float(lab)
    linear = _linear_from_lab(lab)
    outside, fitted = _fit_outside(lab, linear, iterations, tolerance)
    return uint8_from_linear(tf.tensor_scatter_nd_update(linear, outside, _linear_from_lab(fitted)))
