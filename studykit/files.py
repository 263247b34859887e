"""Reading and writing files safely: reads bounded by a size, writes that never leave half a file.

    data = read_bounded(Path("week3.gift"), 8 * 1024 * 1024)   # FileTooLarge past the limit

    replace_atomically(Path("deck.yaml"), lambda temp: temp.write_text(text, encoding="utf-8"))

The content goes to a temporary file next to the target (so the final rename stays on one
filesystem), which is then renamed over the target. Renaming over something that is not a regular
file would replace it: a device like /dev/null, a named pipe, or the /dev/stdout link would become
a plain file. So an existing target must be a regular file (or a link to one, whose target is
replaced and the link kept).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class NotARegularFile(OSError):
    """The target exists and is a device, a pipe, a socket or a link to one."""

    def __init__(self, path: Path):
        super().__init__(
            errno.EINVAL, "not a regular file (a device, a pipe or a link to one)", str(path)
        )


def check_replaceable(out: Path) -> None:
    """Raise `NotARegularFile` when renaming a file over `out` would replace a non-file."""
    if os.path.lexists(out) and not out.is_file() and not out.is_dir():
        raise NotARegularFile(out)


def replace_atomically(out: Path, write: Callable[[Path], T]) -> T:
    """Call `write(temp)` to fill a temporary file beside `out`, rename it over `out`, and return
    what `write` returned.

    Raises `OSError` (and leaves `out` as it was) when anything fails, `NotARegularFile` included.
    A folder at `out` is left to the rename, which fails with IsADirectoryError.
    """
    out = Path(out)
    check_replaceable(out)
    if out.is_symlink():  # write where it points: a rename over the link would replace the link
        out = Path(os.path.realpath(out))
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        written = write(temp)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return written


_PIECE = 1024 * 1024


class FileTooLarge(OSError):
    """The file holds more than the reader's limit. `size` is its size when the file system
    knows it (a regular file), else None (a device or a pipe, read up to the limit)."""

    def __init__(self, path: Path, limit: int, size: int | None = None):
        self.limit, self.size = limit, size
        super().__init__(errno.EFBIG, f"larger than the {limit:,}-byte limit", str(path))


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, or `FileTooLarge` when it holds more than `limit`.

    Bounded by the bytes actually read, not by `st_size`: that is 0 for /dev/zero or a pipe and
    may be stale for a file still growing. A regular file already larger is refused unread.
    Other failures raise `OSError` as `open` and `read` do.
    """
    with open(path, "rb") as handle:
        status = os.fstat(handle.fileno())
        regular = stat.S_ISREG(status.st_mode)
        if regular and status.st_size > limit:
            raise FileTooLarge(Path(path), limit, status.st_size)
        # read(n) sets aside n bytes before reading, so ask for what the file holds (one byte
        # more shows whether it grew), and read a device or a pipe in pieces.
        chunks, held = [], 0
        wanted = status.st_size + 1 if regular else _PIECE
        while held <= limit:
            chunk = handle.read(min(wanted, limit + 1 - held))
            if not chunk:
                break
            chunks.append(chunk)
            held += len(chunk)
            wanted = _PIECE
    if held > limit:
        raise FileTooLarge(Path(path), limit)
    return b"".join(chunks)  # one piece (a regular file) is returned as it is, not copied
