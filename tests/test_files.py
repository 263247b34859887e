"""`studykit.files.replace_atomically`: the target is either replaced whole or left as it was,
and never a device, a pipe or a link to one (a rename would turn those into plain files);
`read_bounded` reads no more than its limit, whatever the file's size says."""

from __future__ import annotations

import contextlib
import os
import stat

import pytest

from studykit.files import FileTooLarge, NotARegularFile, read_bounded, replace_atomically


def test_replaces_the_file_and_returns_what_write_returned(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    assert replace_atomically(out, lambda temp: temp.write_text("new\n")) == 4
    assert out.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left


def test_a_failing_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n")

    def half_then_fail(temp):
        temp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        replace_atomically(out, half_then_fail)
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_pipe_or_a_link_to_one_is_refused_and_left_as_it_was(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for target in (fifo, link):
        with pytest.raises(NotARegularFile, match="not a regular file"):
            replace_atomically(target, lambda temp: temp.write_text("x"))
    assert stat.S_ISFIFO(fifo.stat().st_mode) and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "pipe"]


def test_a_link_to_a_regular_file_is_allowed(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    replace_atomically(link, lambda temp: temp.write_text("new"))
    assert link.is_symlink() and real.read_text() == "new"  # the file it points to is replaced


def test_read_bounded_returns_a_file_within_the_limit(tmp_path):
    path = tmp_path / "bank.gift"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 100) == b"x" * 100


def test_read_bounded_refuses_a_larger_file_unread_with_its_size(tmp_path):
    path = tmp_path / "bank.gift"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLarge) as caught:
        read_bounded(path, 100)
    assert (caught.value.size, caught.value.limit) == (101, 100)
    assert caught.value.strerror == "larger than the 100-byte limit"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_read_bounded_stops_a_pipe_at_the_limit(tmp_path):
    # A pipe's size is 0: only the bytes read can bound it. The writer is a thread that
    # writes more than the limit and stops when the reader closes the pipe.
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as handle:
            handle.write(b"y" * 3_000_000)

    writer = threading.Thread(target=write)
    writer.start()
    with pytest.raises(FileTooLarge) as caught:
        read_bounded(fifo, 2_000_000)
    writer.join(timeout=10)
    assert caught.value.size is None
