# Attack (another's work as one's own): the submitted notebook is a symbolic link to a classmate's
# notebook, so that grading it grades the classmate's answer under this student's name. (This
# answer cell is never read: the file graded would be the classmate's.)
def plot_attention_heatmap(tokens, attention, ax=None):
    return None
