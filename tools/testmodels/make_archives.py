#!/usr/bin/python3
"""TorchScript archives, genuine and hostile, for tests/io/model_archive_test.cc.

Run with Debian's python3-torch (/usr/bin/python3). Everything is written to --out; the
hostile variants are made by rewriting a genuine archive with Python's zipfile, so apart from
the defect each one names they are archives torch.jit.save could have written.

Genuine (CheckModelArchive passes them, and torch::jit::load loads them):
  scripted.pt          a small CNN, torch.jit.script; a submodule named `save`, an exported
                       method named `from_file`, and an error message quoting torch.save(...)
                       (names and strings that only a substring scan would refuse)
  traced.pt            the same network, torch.jit.trace (a tensor constant in constants/)
  data_version.pt      nn.GELU scripted: torch writes .data/version instead of version
  lite.ptl             scripted.pt saved for the lite interpreter (adds bytecode.pkl)
  deflated.pt          scripted.pt re-zipped with every entry DEFLATE-compressed
  zip64_extras.pt      scripted.pt re-zipped with zip64 extra fields in every local header
  tv_resnet18.pt, tv_mobilenet_v2.pt, tv_densenet121.pt
                       torchvision models (random weights), torch.jit.script

Genuine TorchScript that must be refused:
  setstate_scripted.pt   a module with @torch.jit.export __getstate__/__setstate__
  save_in_forward.pt     torch.save(x, path) inside forward
  from_file_scripted.pt  torch.from_file(path, ...) inside forward

scripted.pt with one statement injected into forward (src_*.pt); each form was checked to
write a file (or, for the others, to do what the comment says) when torch.jit.load runs it:
  src_torch_save, src_spaces, src_backslash, src_comment, src_ops_aten_save, src_getattr,
  src_paren, src_alias, src_autograd, src_from_file, src_load_library, src_custom_class,
  src_ops_c10d, src_setstate (a def __setstate__ added to the class)

Limits and layout:
  bomb.pt              scripted.pt plus data/99: 200 MB of zeros, DEFLATE (ratio ~1000)
  many_entries.pt      scripted.pt plus 20001 empty extra/ entries
  missing_data_pkl.pt, missing_constants_pkl.pt, missing_code.pt, missing_version.pt
  two_roots.pt         one entry moved to another top-level directory
  dotdot.pt            an entry named <root>/../evil.py
  absolute.pt          an entry named /etc/evil
  model_json.pt        a model.json entry (torch would take its legacy-format path)
"""
import argparse
import io
import os
import warnings
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from typing import Tuple


class Small(nn.Module):
    """A conv net with names that a substring scan would wrongly refuse."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.save = nn.ReLU()  # a submodule named `save`
        self.fc = nn.Linear(4 * 8 * 8, 10)

    @torch.jit.export
    def from_file(self, x: torch.Tensor) -> torch.Tensor:  # a method named `from_file`
        return x * 2.0

    def forward(self, x):
        if x.dim() != 4:
            raise ValueError("expected NCHW; torch.save(x, 'f') is never called here")
        y = F.max_pool2d(self.save(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(self.from_file(y), 1))


class Traceable(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        y = F.max_pool2d(F.relu(self.conv(x)), 2) + torch.tensor([0.5])
        return self.fc(torch.flatten(y, 1))


class WithSetState(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2.0

    @torch.jit.export
    def __getstate__(self) -> Tuple[float, bool]:
        return (self.scale, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[float, bool]) -> None:
        self.scale = state[0]
        self.training = state[1]

    def forward(self, x):
        return x * self.scale


class SaveInForward(nn.Module):
    def forward(self, x):
        torch.save(x, "/tmp/infip-archive-test-never-written")
        return x


class FromFileInForward(nn.Module):
    def forward(self, x):
        y = torch.from_file("/etc/hostname", False, 4, dtype=torch.uint8)
        return x + y.sum()


# Statements injected into scripted.pt's forward. Checked by hand with torch.jit.load in
# Python 1.13: every save form below writes its file, from_file reads one, the custom class is
# constructed, and the c10d op resolves (torch.ops.* does not resolve in saved code, which the
# scan refuses anyway).
INJECTED = {
    "src_torch_save": 'torch.save(x, "/tmp/p")',
    "src_spaces": 'torch . save (x, "/tmp/p")',
    "src_backslash": 'torch.\\\n      save(x, "/tmp/p")',
    "src_comment": '(torch.  # a comment between the tokens\n      save)(x, "/tmp/p")',
    "src_ops_aten_save": 'ops.aten.save(x, "/tmp/p")',
    "src_getattr": 'getattr(torch, "sa" "ve")(x, "/tmp/p")',
    "src_paren": '(torch).save(x, "/tmp/p")',
    "src_alias": 't = torch\n    t.save(x, "/tmp/p")',
    "src_autograd": 'torch.autograd.save(x, "/tmp/p")',
    "src_from_file": '_f = torch.from_file("/etc/hostname", False, 4, dtype=0)',
    "src_load_library": 'torch.ops.load_library("/tmp/evil.so")',
    "src_custom_class": '_c = __torch__.torch.classes._nnapi.Compilation()',
    "src_ops_c10d": '_c = ops.c10d.barrier',
}

SETSTATE_METHOD = '''  def __setstate__(self: __torch__.Small,
    state: Tuple[bool, bool]) -> NoneType:
    self.training = (state)[0]
    return None
'''


def jit_bytes(module):
    buf = io.BytesIO()
    torch.jit.save(module, buf)
    return buf.getvalue()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def rezip(src, path, compression=zipfile.ZIP_STORED, transform=None, drop=None, rename=None,
          extra=(), force_zip64=False):
    """Copies the entries of archive bytes `src` to `path` with Python's zipfile."""
    zin = zipfile.ZipFile(io.BytesIO(src))
    with zipfile.ZipFile(path, "w", compression) as zout:
        for info in zin.infolist():
            name = info.filename
            if drop is not None and drop(name):
                continue
            data = zin.read(name)
            if transform is not None:
                data = transform(name, data)
            out_name = rename(name) if rename is not None else name
            if force_zip64:
                with zout.open(zipfile.ZipInfo(out_name), "w", force_zip64=True) as f:
                    f.write(data)
            else:
                zout.writestr(zipfile.ZipInfo(out_name), data, compress_type=compression)
        for name, data, method in extra:
            zout.writestr(zipfile.ZipInfo(name), data, compress_type=method)


def inject(source_text, statement):
    """Puts `statement` first in forward's body."""
    marker = "    x: Tensor) -> Tensor:\n"
    at = source_text.index(marker, source_text.index("def forward(")) + len(marker)
    return source_text[:at] + "    " + statement + "\n" + source_text[at:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)

    def out(name):
        return os.path.join(args.out, name)

    torch.manual_seed(0)
    small = Small().eval()
    scripted = torch.jit.script(small)
    base = jit_bytes(scripted)  # root directory "archive"
    scripted.save(out("scripted.pt"))
    scripted._save_for_lite_interpreter(out("lite.ptl"))
    torch.jit.trace(Traceable().eval(), torch.rand(1, 1, 16, 16)).save(out("traced.pt"))
    torch.jit.script(nn.GELU()).save(out("data_version.pt"))
    rezip(base, out("deflated.pt"), compression=zipfile.ZIP_DEFLATED)
    rezip(base, out("zip64_extras.pt"), force_zip64=True)

    import torchvision  # Debian's python3-torchvision
    for name in ["resnet18", "mobilenet_v2", "densenet121"]:
        model = getattr(torchvision.models, name)(weights=None).eval()
        torch.jit.script(model).save(out(f"tv_{name}.pt"))

    torch.jit.script(WithSetState()).save(out("setstate_scripted.pt"))
    torch.jit.script(SaveInForward()).save(out("save_in_forward.pt"))
    torch.jit.script(FromFileInForward()).save(out("from_file_scripted.pt"))

    code = "archive/code/__torch__.py"
    for name, statement in INJECTED.items():
        rezip(base, out(name + ".pt"), transform=lambda n, d, s=statement:
              inject(d.decode(), s).encode() if n == code else d)
    rezip(base, out("src_setstate.pt"), transform=lambda n, d:
          (d.decode() + SETSTATE_METHOD).encode() if n == code else d)

    rezip(base, out("bomb.pt"),
          extra=[("archive/data/99", bytes(200 << 20), zipfile.ZIP_DEFLATED)])
    rezip(base, out("many_entries.pt"),
          extra=[(f"archive/extra/e{i}", b"", zipfile.ZIP_STORED) for i in range(20001)])
    rezip(base, out("missing_data_pkl.pt"), drop=lambda n: n == "archive/data.pkl")
    rezip(base, out("missing_constants_pkl.pt"), drop=lambda n: n == "archive/constants.pkl")
    rezip(base, out("missing_code.pt"), drop=lambda n: n.startswith("archive/code/"))
    rezip(base, out("missing_version.pt"),
          drop=lambda n: n in ("archive/version", "archive/.data/version"))
    rezip(base, out("two_roots.pt"), rename=lambda n:
          "other/constants.pkl" if n == "archive/constants.pkl" else n)
    rezip(base, out("dotdot.pt"), extra=[("archive/../evil.py", b"x", zipfile.ZIP_STORED)])
    rezip(base, out("absolute.pt"), extra=[("/etc/evil", b"x", zipfile.ZIP_STORED)])
    rezip(base, out("model_json.pt"), extra=[("archive/model.json", b"{}", zipfile.ZIP_STORED)])


if __name__ == "__main__":
    main()
