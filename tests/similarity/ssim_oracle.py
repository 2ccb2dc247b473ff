"""Test oracle for lib/infip/similarity: scikit-image's SSIM with InFIP's settings.

Usage: ssim_oracle.py A.npy B.npy  (each N x H x W; uint8 is divided by 255, floats are taken
as 0..1). Prints one SSIM per image pair, one per line, with full double precision.
"""
import sys

import numpy as np
from skimage.metrics import structural_similarity


def to_unit(x):
    if x.dtype == np.uint8:
        return x.astype(np.float64) / 255.0
    return x.astype(np.float64)


def main():
    a = to_unit(np.load(sys.argv[1]))
    b = to_unit(np.load(sys.argv[2]))
    assert a.shape == b.shape and a.ndim == 3, (a.shape, b.shape)
    for x, y in zip(a, b):
        v = structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False, data_range=1.0)
        print(repr(float(v)))


if __name__ == "__main__":
    main()
