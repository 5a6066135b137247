"""Reading and checking a safetensors file byte by byte, before any tensor is built.

Layout: an 8-byte little-endian unsigned header length N, N bytes of JSON header
``{"__metadata__": {str: str}, name: {"dtype": "F64", "shape": [...], "data_offsets": [b, e]}}``,
then the tensor bytes, offsets counted from the end of the header. `read_checked` verifies
every part of that layout so that each defect gets its own message; the `safetensors` package
then decodes the bytes.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.io import strict_json
from gradlab.io.errors import ModelFileError
from gradlab.nn.layer_plan import MAX_PARAMETERS

#: safetensors' own bound on the JSON header.
MAX_HEADER_BYTES = 100_000_000

#: Tensors a header may list: as many as a model may have parameters.
MAX_TENSORS = MAX_PARAMETERS

#: Dimensions of one tensor (NumPy's own limit is 64).
MAX_NDIM = 32

#: The largest model file read: 2 GiB holds a float32 network of 500 million parameters, far
#: beyond what gradlab's NumPy engine trains, and stops a hostile path from being read without
#: end. (Checked before reading, so it costs nothing for real files.)
MAX_FILE_BYTES = 2 * 1024**3

#: The dtypes a gradlab model stores: safetensors code -> NumPy dtype.
DTYPES: dict[str, np.dtype[Any]] = {
    "F16": np.dtype(np.float16),
    "F32": np.dtype(np.float32),
    "F64": np.dtype(np.float64),
}


@dataclass(frozen=True)
class TensorInfo:
    """One tensor's entry in the header."""

    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class CheckedFile:
    """The bytes of a safetensors file whose layout has been verified."""

    data: bytes
    metadata: dict[str, str]
    tensors: dict[str, TensorInfo]


def _fail(path: str | os.PathLike[str], problem: str) -> ModelFileError:
    return ModelFileError(f"cannot load model file {os.fspath(path)!r}: {problem}")


def _looks_like_pickle(head: bytes) -> bool:
    # Pickle protocols 2-5 open with PROTO (0x80) and the protocol number; torch.save and
    # joblib archives are zip files with a pickle inside. A safetensors header of 640, 896, 1152
    # or 1408 bytes opens with the same two bytes, but its JSON starts at byte 8.
    proto = len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5
    return (proto or head[:4] == b"PK\x03\x04") and head[8:9] != b"{"


def read_checked(path: str | os.PathLike[str]) -> CheckedFile:
    """Read ``path`` and verify its safetensors layout.

    Raises
    ------
    ModelFileError
        For a missing path or folder, a pickle, truncation, an absurd header length,
        a non-JSON header, unknown dtypes, bad shapes, shape x dtype sizes that disagree with
        the offsets, gaps or overlaps between tensors, and trailing bytes.
    """
    data = _read_regular(path)
    size = len(data)
    if _looks_like_pickle(data[:9]):
        raise _fail(
            path,
            "it is a pickle (or a zip archive such as torch.save writes), not a safetensors file. "
            "gradlab never unpickles files, because unpickling can run arbitrary code; "
            "save the model with gradlab.save.",
        )
    if size < 8:
        raise _fail(
            path,
            f"it is {size} bytes long, shorter than the 8-byte header length that starts a "
            "safetensors file; the file is truncated or not a model file.",
        )
    n = int.from_bytes(data[:8], "little")
    if n > MAX_HEADER_BYTES:
        raise _fail(
            path,
            f"its header length field says {n:,} bytes, more than the {MAX_HEADER_BYTES:,} "
            "allowed; the file is corrupt or not a safetensors file.",
        )
    if 8 + n > size:
        raise _fail(
            path,
            f"its header length field says {n:,} bytes but only {size - 8:,} bytes follow; "
            "the file is truncated (an interrupted copy or download?).",
        )
    try:
        header = strict_json.loads(data[8 : 8 + n].decode("utf-8"))
    except strict_json.TooManyObjects as error:
        raise _fail(path, f"its header is too large to be a model's: {error}.") from None
    except (ValueError, RecursionError) as error:
        raise _fail(
            path, f"its header is not valid JSON ({error!r:.200}); the file is corrupt."
        ) from None
    if not isinstance(header, dict):
        raise _fail(path, "its header is JSON but not an object; the file is corrupt.")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise _fail(path, "its __metadata__ is not a mapping of strings to strings.")
    if len(header) > MAX_TENSORS:
        raise _fail(
            path,
            f"its header lists {len(header):,} tensors, more than the {MAX_TENSORS:,} a model "
            "may have (gradlab.io.safetensors_file.MAX_TENSORS); the file is corrupt or hostile.",
        )
    tensors = {name: _tensor_info(path, name, entry) for name, entry in header.items()}
    _check_offsets(path, tensors, size - 8 - n)
    return CheckedFile(data=data, metadata=metadata, tensors=tensors)


def _read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``path``, refusing anything but a regular file of at most MAX_FILE_BYTES.

    Opened without blocking and checked on the open descriptor, so a FIFO, a device such as
    /dev/zero (or a symlink to one) and a folder are refused without being read.
    """
    if not os.path.exists(path):
        raise _fail(path, "no such file; check the path.")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        fd = None
    if fd is None or not stat.S_ISREG(os.fstat(fd).st_mode):
        if fd is not None:
            os.close(fd)
        raise _fail(
            path,
            "it is not a regular file (a folder, a device or a pipe); pass the path of a "
            ".safetensors file.",
        )
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise _fail(
                path,
                f"it is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a gradlab model file may "
                "hold.",
            )
        # The size read is the size checked: one byte more shows a file that grew meanwhile,
        # and asking for no more than that keeps the read buffer the size of the file.
        data = f.read(size + 1)
    if len(data) != size:
        raise _fail(path, "it changed size while it was read; try again once it is written.")
    return data


def _tensor_info(path: str | os.PathLike[str], name: str, entry: Any) -> TensorInfo:
    if not isinstance(entry, dict):
        raise _fail(path, f"the header entry of tensor {name!r} is not an object.")
    code = entry.get("dtype")
    if not isinstance(code, str) or code not in DTYPES:
        raise _fail(
            path,
            f"tensor {name!r:.100} has dtype {code!r:.100}; gradlab models hold only "
            f"{', '.join(DTYPES)} (float16/32/64).",
        )
    shape = entry.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_NDIM
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise _fail(
            path,
            f"tensor {name!r:.100} has shape {shape!r:.100}, not a list of sizes >= 0 (at most "
            f"{MAX_NDIM} of them).",
        )
    offsets = entry.get("data_offsets")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        raise _fail(
            path,
            f"tensor {name!r:.100} has data_offsets {offsets!r:.100}, not [begin, end] with "
            "begin <= end.",
        )
    dtype = DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != expected:
        raise _fail(
            path,
            f"tensor {name!r} of shape {tuple(shape)} and dtype {code} needs {expected:,} bytes "
            f"but its data_offsets span {offsets[1] - offsets[0]:,}; the file is corrupt.",
        )
    return TensorInfo(dtype, tuple(shape), offsets[0], offsets[1])


def _check_offsets(
    path: str | os.PathLike[str], tensors: dict[str, TensorInfo], data_size: int
) -> None:
    position = 0
    for name, info in sorted(tensors.items(), key=lambda item: (item[1].begin, item[1].end)):
        if info.begin != position:
            problem = "overlaps the previous tensor" if info.begin < position else "leaves a gap"
            raise _fail(
                path,
                f"tensor {name!r} starts at byte {info.begin:,} of the data but the previous "
                f"tensor ends at {position:,} (it {problem}); the offsets are corrupt.",
            )
        position = info.end
    if position > data_size:
        raise _fail(
            path,
            f"the tensors need {position:,} bytes of data but the file holds {data_size:,} after "
            "its header; the file is truncated or its offsets are corrupt.",
        )
    if position < data_size:
        raise _fail(
            path,
            f"{data_size - position:,} trailing bytes follow the last tensor; the file was "
            "altered or appended to. Re-save the model with gradlab.save.",
        )
