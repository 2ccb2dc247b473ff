"""Fashion-MNIST for the zoo: IDX loading, 28x28 -> 32x32 zero padding, fixed splits.

Inputs are float32 in [0, 1], shape N x 1 x 32 x 32 (the 28x28 image centred, 2 zero pixels each
side); no normalisation (the models see raw [0, 1] pixels).

Splits (fixed by SPLIT_SEED, independent of any model seed):
  train split (60,000) permuted, then cut in two disjoint halves:
    half_a  - the owner's training data (originals and the independent seed models; the first
              --train-size images of it)
    half_b  - the disjoint half (one independent model is trained on it)
  test split (10,000) permuted, then cut in three disjoint parts:
    attacker - 2,000 images, the attacker's data for every attack (the paper takes them from the
               test split)
    keys     - the key pool (default 1,000), private key images for fingerprints; disjoint from
               the attacker set
    eval     - the rest (7,000), where test accuracy and watermark accuracy are measured
"""
import gzip
import os

import numpy as np
import torch

FASHION = "/usr/share/datasets/fashion-mnist"
SPLIT_SEED = 20240601
ATTACKER_SIZE = 2000
KEY_POOL_SIZE = 1000


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if arr.size != int(np.prod(shape)):
        raise ValueError("%s: size mismatch" % path)
    return arr.reshape(shape)


def pad32(images_u8):
    """N x 28 x 28 uint8 -> N x 32 x 32 uint8, zero padding 2 pixels each side."""
    n, h, w = images_u8.shape
    out = np.zeros((n, 32, 32), dtype=np.uint8)
    top, left = (32 - h) // 2, (32 - w) // 2
    out[:, top:top + h, left:left + w] = images_u8
    return out


def to_tensor(images_u8):
    return torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)


class Splits:
    def __init__(self, root=FASHION, key_pool=KEY_POOL_SIZE, attacker=ATTACKER_SIZE):
        tr_x = pad32(read_idx(os.path.join(root, "train-images-idx3-ubyte.gz")))
        tr_y = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz")).astype(np.int64)
        te_x = pad32(read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz")))
        te_y = read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
        rng = np.random.RandomState(SPLIT_SEED)
        ptr = rng.permutation(len(tr_x))
        pte = rng.permutation(len(te_x))
        half = len(ptr) // 2
        self.index = {
            "half_a": ptr[:half], "half_b": ptr[half:],
            "attacker": pte[:attacker], "keys": pte[attacker:attacker + key_pool],
            "eval": pte[attacker + key_pool:],
        }
        self._src = {"half_a": (tr_x, tr_y), "half_b": (tr_x, tr_y), "attacker": (te_x, te_y),
                     "keys": (te_x, te_y), "eval": (te_x, te_y)}
        assert not set(self.index["attacker"]) & set(self.index["keys"])
        assert not set(self.index["half_a"]) & set(self.index["half_b"])

    def get(self, name, limit=None):
        """(x float N x 1 x 32 x 32 in [0,1], y int64 N) of a split, its first `limit` images."""
        idx = self.index[name][:limit]
        x, y = self._src[name]
        return to_tensor(x[idx]), torch.from_numpy(y[idx])

    def raw(self, name, limit=None):
        idx = self.index[name][:limit]
        return self._src[name][0][idx], self._src[name][1][idx]
