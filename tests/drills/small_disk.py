"""A disk that fills up: a size-limited tmpfs holding the test's data directory (database, uploads, fine-tuned
models) and its HF home (the cache downloads go to), as on a machine whose one disk holds everything.

Mounting needs root (CAP_SYS_ADMIN); without it the drills that use this are skipped, saying why.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = 4096  # tmpfs counts its size in pages


class SmallDisk:
    """A mounted tmpfs of a given size; it can be filled to the last page and given more room while mounted."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self.filler = path / "filler.bin"

    @classmethod
    def mount(cls, path: Path, size: int) -> SmallDisk:
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            pytest.skip("a size-limited tmpfs needs root (mount -t tmpfs): the disk-full drills did not run")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={_pages(size)}", "tmpfs", str(path)],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here ({done.stderr.strip()}): the disk-full drills "
                        "did not run")
        return cls(path, _pages(size))

    def resize(self, size: int) -> None:
        """More (or less) room on the mounted disk, its files kept: the operator freed space."""
        subprocess.run(["mount", "-o", f"remount,size={_pages(size)}", str(self.path)], check=True, timeout=30)
        self.size = _pages(size)

    def free(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def used(self) -> int:
        stat = os.statvfs(self.path)
        return (stat.f_blocks - stat.f_bfree) * stat.f_frsize

    def fill(self) -> int:
        """Take every free byte (another program filling the disk); returns the bytes taken."""
        taken = 0
        with open(self.filler, "ab", buffering=0) as fh:
            free = self.free()
            if free:
                try:
                    os.posix_fallocate(fh.fileno(), os.fstat(fh.fileno()).st_size, free)
                    taken += free
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
            while True:  # whatever fallocate left, page by page
                try:
                    taken += fh.write(b"\0" * PAGE)
                except OSError as exc:
                    if exc.errno == errno.ENOSPC:
                        break
                    raise
        return taken

    def unmount(self) -> None:
        # Lazy: a worker that still holds a file open must not keep the mount (and the test's memory) alive.
        subprocess.run(["umount", "-l", str(self.path)], check=False, timeout=30)


def _pages(size: int) -> int:
    return max(PAGE, -(-size // PAGE) * PAGE)


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Iterator[SmallDisk]:
    """The test's data directory and HF home on a tmpfs (1 GB to start: the test sizes it with `resize` once it has
    measured what it needs). huggingface_hub's cache constants follow, as `online_hub` points them."""
    from huggingface_hub import constants

    from tests.conftest import release_data_dir, use_data_dir

    disk = SmallDisk.mount(tmp_path / "disk", 1024**3)
    hf_home = disk.path / "hf-home"
    use_data_dir(monkeypatch, disk.path / "data", hf_home)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hf_home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    try:
        yield disk
        # Jobs stopped and the database closed while the disk is still there (the autouse `data_dir` does the same
        # again after this, on nothing).
        release_data_dir()
    finally:
        disk.unmount()
