"""Reads a PyTorch state_dict saved in the legacy (non-zip) `torch.save` format, with the standard
library and numpy alone: no torch.

The legacy format is five things one after the other in one file:
  1. a pickled magic number (0x1950a86a20f9469cfc6c), 2. a pickled protocol version (1001),
  3. a pickled sys-info dict, 4. the pickled object itself, whose tensors refer to storages by
  persistent id ("storage", storage type, key, location, element count, view), 5. a pickled list of
  storage keys, then for each key in that order: an int64 element count and the raw little-endian data.
Tensors are rebuilt by `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`; we map
that call to a numpy view. Anything else (the zip format of torch >= 1.6, other pickled classes)
raises CheckpointFormatError naming the file.
"""

import collections
import pickle
import struct

import numpy as np

from deepcolor.errors import DeepColorError

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001

_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class CheckpointFormatError(DeepColorError):
    """A file that is not a legacy-format PyTorch state_dict of plain tensors."""


class _StorageType:
    def __init__(self, name):
        self.dtype = np.dtype(_STORAGE_DTYPES[name]).newbyteorder("<")


class _TensorRef:
    """A tensor as the pickle describes it; its storage's bytes come later in the file."""

    def __init__(self, storage_key, offset, size, stride):
        self.storage_key, self.offset, self.size, self.stride = storage_key, offset, tuple(size), tuple(stride)


def _rebuild_tensor(storage, storage_offset, size, stride, *unused):
    return _TensorRef(storage, storage_offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, path):
        super().__init__(file)
        self.path = path
        self.storages = {}  # key -> dtype

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointFormatError(f"{self.path}: holds {module}.{name}, not only tensors; "
                                    "only plain state_dicts can be read without torch")

    def persistent_load(self, saved_id):
        if not (isinstance(saved_id, tuple) and saved_id and saved_id[0] == "storage"):
            raise CheckpointFormatError(f"{self.path}: unexpected persistent id {saved_id!r:.80}")
        _, storage_type, key, _location, _count, *view = saved_id
        if view and view[0] is not None:
            raise CheckpointFormatError(f"{self.path}: storage views are not supported")
        self.storages[key] = storage_type.dtype
        return key


def read_legacy_state_dict(path):
    """path -> {name: numpy array} in the file's order (a copy of each tensor, C-contiguous)."""
    with open(path, "rb") as f:
        try:
            magic = pickle.load(f)
        except Exception:  # a zip checkpoint, a text file, ...: pickle's own error names nothing useful
            magic = None
        if magic != MAGIC_NUMBER:
            raise CheckpointFormatError(
                f"{path}: not a legacy-format PyTorch checkpoint (no magic number; files saved by "
                "torch >= 1.6 are zip archives: re-save them with _use_new_zipfile_serialization=False)")
        protocol = pickle.load(f)
        if protocol != PROTOCOL_VERSION:
            raise CheckpointFormatError(f"{path}: unsupported protocol version {protocol}")
        sys_info = pickle.load(f)
        if not sys_info.get("little_endian", True):
            raise CheckpointFormatError(f"{path}: saved on a big-endian machine")
        unpickler = _Unpickler(f, path)
        state = unpickler.load()
        keys = pickle.load(f)
        data = {}
        for key in keys:
            header = f.read(8)
            dtype = unpickler.storages[key]
            count = struct.unpack("<q", header)[0] if len(header) == 8 else -1
            raw = f.read(count * dtype.itemsize) if count >= 0 else b""
            if count < 0 or len(raw) != count * dtype.itemsize:
                raise CheckpointFormatError(f"{path}: truncated (storage {key} ends early)")
            data[key] = np.frombuffer(raw, dtype=dtype)
    if not isinstance(state, dict):
        raise CheckpointFormatError(f"{path}: holds a {type(state).__name__}, not a state_dict")
    tensors = {}
    for name, ref in state.items():
        if not isinstance(ref, _TensorRef):
            continue  # e.g. a plain int such as a version entry
        storage = data[ref.storage_key]
        itemsize = storage.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            storage[ref.offset:], shape=ref.size, strides=[s * itemsize for s in ref.stride])
        tensors[name] = np.array(view, dtype=storage.dtype.newbyteorder("="))
    return tensors
