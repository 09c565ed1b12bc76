"""Pool functions for tests/c/test_mix_busy_pool.c (imported in own-GIL sub-interpreters:
nothing here may import an extension module that lacks sub-interpreter support, such as
_ctypes on CPython 3.12)."""
import os


def relay(fd_in, fd_signal):
    """Says "inside" on fd_signal, then blocks until a byte arrives on fd_in; returns it."""
    os.write(fd_signal, b"i")
    return os.read(fd_in, 1)[0]
