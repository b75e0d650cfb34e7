"""An attention-head explorer for JupyterLab: type a sentence, pick a layer and a head.

Lesson 07 shows it in one line (the last expression of a cell displays it)::

    from head_explorer import HeadExplorer

    HeadExplorer(model, "The animal didn't cross the street because it was too tired.")

It is made of ipywidgets (a text box, two drop-down lists, a button) and one
image: the head's attention drawn by the course's ``plot_attention_heatmap``.
The picture is rendered to PNG by matplotlib's Agg canvas in the kernel, so it
works offline and without a matplotlib widget backend; *Save PNG* writes
exactly the picture on screen to ``attention_layer<L>_head<H>.png`` in
``folder`` (the notebook's folder by default).

The model runs once per sentence; changing the layer or the head only redraws.
"""
from __future__ import annotations

import html
import io
from pathlib import Path

import ipywidgets as widgets
from matplotlib.figure import Figure

from attention_plots import plot_attention_heatmap
from real_attention import run_model

__all__ = ["HeadExplorer"]


class HeadExplorer:
    """The controls and the picture; display the object (or ``.widget``) to use it.

    Parameters
    ----------
    model : real_attention.Model
        The loaded model (``real_attention.load_model()``).
    sentence : str
        The first sentence shown.
    layer, head : int
        The first head shown, numbered from 1 as in the plots' titles.
    folder : str or Path
        Where *Save PNG* writes its files.

    Attributes
    ----------
    sentence, layer, head : ipywidgets.Text, ipywidgets.Dropdown, ipywidgets.Dropdown
    save_button : ipywidgets.Button
    status : ipywidgets.HTML
        What is shown, what was saved, or what is wrong with the sentence.
    image : ipywidgets.Image
        The picture, as PNG bytes (``image.value``).
    widget : ipywidgets.VBox
        Everything above, laid out.
    """

    def __init__(self, model, sentence: str = "The animal didn't cross the street because "
                 "it was too tired.", layer: int = 1, head: int = 1, folder="."):
        self.model = model
        self.folder = Path(folder)
        self._result, self._result_for = None, None
        self._shown = None   # (layer, head) of the picture on screen
        self.sentence = widgets.Text(value=sentence, description="Sentence",
                                     continuous_update=False,  # run the model on Enter
                                     layout=widgets.Layout(width="100%"))
        self.layer = widgets.Dropdown(description="Layer", value=layer,
                                      options=[(str(i), i) for i in range(1, model.n_layers + 1)],
                                      layout=widgets.Layout(width="150px"))
        self.head = widgets.Dropdown(description="Head", value=head,
                                     options=[(str(i), i) for i in range(1, model.n_heads + 1)],
                                     layout=widgets.Layout(width="150px"))
        self.save_button = widgets.Button(description="Save PNG", icon="download",
                                          tooltip="save this picture as a PNG file")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([
            self.sentence,
            widgets.HBox([self.layer, self.head, self.save_button]),
            self.status, self.image])
        for control in (self.sentence, self.layer, self.head):
            control.observe(self.redraw, names="value")
        self.save_button.on_click(lambda _button: self.save())
        self.redraw()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def figure(self) -> Figure:
        """The current head's heatmap, on a Figure of its own (not managed by pyplot)."""
        result = self._result
        n = len(result.tokens)
        fig = Figure(figsize=(7, 5.6) if n <= 20 else (9, 7.5), dpi=100, layout="constrained")
        # A margin of a tenth of an inch: with the default (3 points) the colorbar's label
        # touches the picture's right edge.
        fig.get_layout_engine().set(w_pad=0.1, h_pad=0.1)
        plot_attention_heatmap(result.tokens, result.attention[self.layer.value - 1,
                                                               self.head.value - 1],
                               ax=fig.add_subplot(), vmin=0,
                               title=f"Layer {self.layer.value}, head {self.head.value}")
        return fig

    def redraw(self, change=None) -> None:
        """Run the model if the sentence changed, then draw the chosen head."""
        text = self.sentence.value
        if text != self._result_for:
            if not text.strip():
                self._say("Type a sentence, then press Enter.", error=True)
                return
            try:
                self._result, self._result_for = run_model(self.model, text), text
            except ValueError as error:   # e.g. longer than the model can read
                self._say(html.escape(str(error)), error=True)
                return
        buffer = io.BytesIO()
        # No Software/date metadata, so the same picture gives the same bytes.
        self.figure().savefig(buffer, format="png", metadata={"Software": None})
        self.image.value = buffer.getvalue()
        self._shown = (self.layer.value, self.head.value)
        self._say(f"Layer {self.layer.value}, head {self.head.value}: "
                  f"{len(self._result.tokens)} tokens. Each row is a query token; "
                  "the brighter the cell, the more it attends to that key.")

    def save(self, path=None) -> Path | None:
        """Write the picture on screen to ``path`` (default in ``folder``); return the path.

        The default name is that of the head on screen, ``attention_layer<L>_head<H>.png``
        (after an unusable sentence the previous picture stays on screen, and is saved).
        """
        if self._shown is None:
            self._say("There is no picture to save yet: type a sentence first.", error=True)
            return None
        if path is None:
            layer, head = self._shown
            path = self.folder / f"attention_layer{layer}_head{head}.png"
        path = Path(path)
        path.write_bytes(self.image.value)
        self._say(f"Saved <code>{html.escape(str(path))}</code> "
                  f"({len(self.image.value) // 1024} KB).")
        return path

    def _say(self, message: str, error: bool = False) -> None:
        color = "#b00020" if error else "inherit"
        self.status.value = f'<span style="color: {color}">{message}</span>'
