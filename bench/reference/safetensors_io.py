"""Minimal safetensors writer/reader (the `safetensors` package is not available from Debian).

Format (huggingface/safetensors README "Format", and safetensors/src/tensor.rs):
  * 8 bytes: N, little-endian u64, the byte length of the header;
  * N bytes: UTF-8 JSON object {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
    with offsets relative to the start of the data buffer (end exclusive); the header is padded with
    spaces (0x20) to a multiple of 8 bytes so every tensor starts 8-aligned in the file;
  * the data buffer: the tensors' raw little-endian, C-order bytes, back to back, no gaps, covering it exactly.
Tensors are laid out as the reference writer does: by descending dtype (its Dtype enum order, i.e. wider
alignment first), then by name (byte order); with one dtype that is plain sorted name order.
JSON is compact (no spaces), `__metadata__` first with its keys sorted, so output is deterministic.
"""
from __future__ import annotations

import json
import struct
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

# safetensors Dtype enum order (increasing alignment); the writer sorts by it, descending.
_DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
                "I64", "U64"]
_NP_TO_ST = {np.dtype("bool"): "BOOL", np.dtype("uint8"): "U8", np.dtype("int8"): "I8", np.dtype("int16"): "I16",
             np.dtype("uint16"): "U16", np.dtype("float16"): "F16", np.dtype("int32"): "I32",
             np.dtype("uint32"): "U32", np.dtype("float32"): "F32", np.dtype("float64"): "F64",
             np.dtype("int64"): "I64", np.dtype("uint64"): "U64"}
_ST_TO_NP = {v: k for k, v in _NP_TO_ST.items()}


def serialize(tensors: Mapping[str, np.ndarray], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    entries = []
    for name, array in tensors.items():
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved")
        array = np.asarray(array)
        dtype = _NP_TO_ST.get(array.dtype)
        if dtype is None:
            raise ValueError(f"{name}: unsupported dtype {array.dtype}")
        entries.append((name, dtype, array))
    entries.sort(key=lambda e: (-_DTYPE_ORDER.index(e[1]), e[0].encode("utf-8")))

    header: Dict[str, object] = {}
    if metadata is not None:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError("metadata must map str to str")
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    chunks = []
    offset = 0
    for name, dtype, array in entries:
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    return struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks)


def save_file(tensors: Mapping[str, np.ndarray], path: str, metadata: Optional[Mapping[str, str]] = None) -> None:
    with open(path, "wb") as fh:
        fh.write(serialize(tensors, metadata))


def deserialize(buffer: bytes) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Strict reader used to verify what we wrote (contiguous, non-overlapping, covering offsets)."""
    if len(buffer) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", buffer[:8])
    if 8 + n > len(buffer):
        raise ValueError("header length beyond end of file")
    header = json.loads(buffer[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    data = buffer[8 + n:]
    out: Dict[str, np.ndarray] = {}
    expected = 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        if begin != expected or end < begin:
            raise ValueError(f"{name}: data_offsets {begin},{end} not contiguous (expected begin {expected})")
        dt = _ST_TO_NP[info["dtype"]].newbyteorder("<")
        count = int(np.prod(info["shape"], dtype=np.int64)) if info["shape"] else 1
        if count * dt.itemsize != end - begin:
            raise ValueError(f"{name}: shape x dtype size != byte length")
        out[name] = np.frombuffer(data[begin:end], dtype=dt).reshape(info["shape"]).copy()
        expected = end
    if expected != len(data):
        raise ValueError("data offsets do not cover the data buffer")
    return out, metadata


def load_file(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    with open(path, "rb") as fh:
        return deserialize(fh.read())


if __name__ == "__main__":
    # The two byte-exact cases from safetensors/src/tensor.rs tests.
    t = np.arange(6, dtype=np.float32)
    a = serialize({"attn.0": t.reshape(1, 2, 3)})
    assert a[:8] == bytes([64, 0, 0, 0, 0, 0, 0, 0]) and a[8:72] == b'{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'
    b = serialize({"attn0": t.reshape(1, 1, 2, 3)})
    assert b[:8] == bytes([72, 0, 0, 0, 0, 0, 0, 0]) and b[8:80].endswith(b"}}" + b" " * 7)
    assert serialize({}) == bytes([8, 0, 0, 0, 0, 0, 0, 0]) + b"{}" + b" " * 6
    assert serialize({}, {"framework": "pt"}) == bytes([40, 0, 0, 0, 0, 0, 0, 0]) + b'{"__metadata__":{"framework":"pt"}}' + b" " * 5
    r, _ = deserialize(b)
    assert np.array_equal(r["attn0"], t.reshape(1, 1, 2, 3))
    print("safetensors_io self-check ok")
