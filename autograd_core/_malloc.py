"""Keep freed memory for reuse: glibc's default hands large blocks back to the OS as soon as
they are freed, and every training step then pays page faults to get them back."""

import ctypes
import ctypes.util
import os
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20   # blocks up to 32 MiB (glibc's maximum) come from the heap
_TRIM_THRESHOLD = 256 << 20  # and up to 256 MiB of free heap stays mapped for reuse
_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")

STATE = {"tuned": False}


def tune():
    """Raise glibc's mmap and trim thresholds, once, on Linux.

    An engine allocates a fresh array for every op's output and gradient, and frees most
    of them a moment later. By default glibc serves blocks above 128 KiB (its threshold
    then adapts) with mmap and trims the heap when much is free at its top, so a step that
    makes and frees a few MB of temporaries gets them back as page faults, every step:
    about 1,500 faults and a quarter of the time of an LSTM training step on our
    benchmark. Keeping freed memory mapped removes that. The process keeps up to 256 MiB
    of freed memory for reuse instead of returning it to the OS.

    Skipped when not on glibc, when the user set any MALLOC_*_ tuning variable (theirs
    wins), or when AUTOGRAD_CORE_MALLOPT=0. Returns whether it tuned.
    """
    if STATE["tuned"]:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("AUTOGRAD_CORE_MALLOPT") == "0":
        return False
    if any(name in os.environ for name in _ENV):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if not hasattr(libc, "gnu_get_libc_version"):  # glibc only: musl has no thresholds
            return False
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    STATE["tuned"] = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
                          and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    return STATE["tuned"]
