"""The `.clv` file that `compress` writes: a header pinning the codec version, then the frames' bytes.

Layout: the magic b"CLEDGER1", a u32 header length, the header as UTF-8 JSON (lineage, version,
sha256 of the codec source, width, height, fps, frame count, quality), then for each frame a
u32 length and that many bytes.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

MAGIC = b"CLEDGER1"
_LENGTH = struct.Struct("<I")
MAX_HEADER_BYTES = 1 << 16


class ContainerError(Exception):
    """A file that is not a complete codec-ledger stream; the message names it."""


@dataclass(frozen=True)
class Header:
    lineage: str
    version: int
    sha256: str
    width: int
    height: int
    fps: float
    frames: int
    quality: int

    def config(self) -> dict:
        """The `config` the codec saw when it encoded these frames."""
        return {"quality": self.quality, "width": self.width, "height": self.height, "fps": self.fps,
                "frames": self.frames}


def write(path: Path, header: Header, payload: list[bytes]) -> None:
    if len(payload) != header.frames:
        raise ValueError(f"{len(payload)} frames for a header that says {header.frames}")
    """Write the file whole or not at all: into a temporary file beside it, then moved into place."""
    text = json.dumps(asdict(header), sort_keys=True).encode()
    handle, name = tempfile.mkstemp(prefix=f".{Path(path).name}.", dir=Path(path).resolve().parent)
    try:
        os.fchmod(handle, 0o644)  # as open() would make it, not mkstemp's owner-only mode
        with os.fdopen(handle, "wb") as stream:
            stream.write(MAGIC + _LENGTH.pack(len(text)) + text)
            for data in payload:
                stream.write(_LENGTH.pack(len(data)))
                stream.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def read(path: Path) -> tuple[Header, list[bytes]]:
    try:
        blob = Path(path).read_bytes()
    except OSError as error:
        raise ContainerError(f"cannot read '{path}': {error.strerror or error}") from None
    if not blob.startswith(MAGIC):
        raise ContainerError(f"'{path}' is not a codec-ledger stream (bad magic)")
    try:
        (length,) = _LENGTH.unpack_from(blob, len(MAGIC))
        offset = len(MAGIC) + _LENGTH.size
        if length > MAX_HEADER_BYTES:
            raise ValueError("header too large")
        header = Header(**json.loads(blob[offset:offset + length]))
        offset += length
        payload = []
        for _ in range(header.frames):
            (size,) = _LENGTH.unpack_from(blob, offset)
            offset += _LENGTH.size
            if offset + size > len(blob):
                raise ValueError("truncated frame")
            payload.append(blob[offset:offset + size])
            offset += size
    except (struct.error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise ContainerError(f"'{path}' is damaged or truncated: {error}") from None
    return header, payload
