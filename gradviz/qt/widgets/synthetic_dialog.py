"""The Synthetic data dialog: points drawn from the model being fitted, at true parameters,
over an x range, with noise and a seed, previewed before anything changes.

It is a view: the points and their errors come from building the problem the
dialog's values describe, and OK is enabled only while they make one.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.parsing import parse_float
from gradviz.core.problems import ProblemSpec
from gradviz.core.sources import DATA_SOURCES
from gradviz.qt.widgets.buddy_label import BuddyLabel
from gradviz.qt.widgets.dialog_parts import message_line, ok_cancel

PREVIEW_POINTS = 2000
"""Most points the preview draws (every k-th of a larger set: they are sorted by x)."""

_FIELDS = (  # (key, label, tooltip)
    ("phi0", "&True φ₀", "the first parameter of the model the points are drawn from"),
    ("phi1", "T&rue φ₁", "the second parameter of the model the points are drawn from"),
    ("n", "Points &N", "how many points (2 to 1,000,000)"),
    ("xmin", "x mi&n", "the points' x are uniform over [x min, x max]"),
    ("xmax", "x ma&x", "the points' x are uniform over [x min, x max]"),
    ("noise", "Noise &σ", "standard deviation of the Gaussian noise added to y"),
    ("seed", "S&eed", "seed of the random x and noise: the same seed, the same points"),
)


def _synthetic_source():  # type: ignore[no-untyped-def]
    """The synthetic generator: the one listed source that takes parameters (front ends
    find sources by what they declare, never by name)."""
    return next(s for s in DATA_SOURCES if s.parameters and s.offered)


def _text(value: float) -> str:
    return f"{value:.10g}"


class SyntheticDialog(QDialog):
    """Choose how synthetic points are drawn for the model of ``spec``.

    Parameters
    ----------
    spec : ProblemSpec
        The problem now shown: its model draws the points; its data, if synthetic,
        give the values shown first.
    model : object
        The problem's model (its default truth and x range are the fields' defaults).
    """

    def __init__(self, spec: ProblemSpec, model: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Synthetic data")
        self.spec = spec
        self.source = _synthetic_source()
        data = spec.resolved_data
        start = self.source.resolved(data if self.source.claims(data or "") else None, model)
        values = {"phi0": start["phi"][0], "phi1": start["phi"][1], "n": start["n"],
                  "xmin": start["x_range"][0], "xmax": start["x_range"][1],
                  "noise": start["noise"], "seed": start["seed"]}
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Model", QLabel(spec.kind.title))
        for key, label, tip in _FIELDS:
            edit = QLineEdit(_text(values[key]))
            edit.setToolTip(tip)
            edit.editingFinished.connect(self.preview)
            form.addRow(BuddyLabel(label, edit), edit)
            self.fields[key] = edit

        self.plot = pg.PlotWidget()
        self.plot.setMinimumSize(420, 260)
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "y")
        self.points = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(90, 160, 230, 160))
        self.curve = pg.PlotCurveItem(pen=pg.mkPen(230, 159, 0, width=2))
        self.plot.addItem(self.points)
        self.plot.addItem(self.curve)
        self.note = message_line()

        self.buttons, self.ok = ok_cancel(self, "&Fit to these data")
        redraw = QPushButton("&Preview")
        redraw.setAutoDefault(False)
        redraw.clicked.connect(self.preview)
        self.buttons.addButton(redraw, QDialogButtonBox.ButtonRole.ActionRole)

        top = QHBoxLayout()
        top.addLayout(form)
        top.addWidget(self.plot, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.data: str | None = None
        """The data spec of the values shown, while they make data."""
        self.preview()

    def _numbers(self) -> dict[str, float]:
        """The fields' numbers by key (ValueError naming a field that holds none)."""
        numbers = {}
        for key, label, _ in _FIELDS:
            text = self.fields[key].text().strip()
            try:
                numbers[key] = parse_float(text)
            except ValueError:
                raise ValueError(f"{label.replace('&', '')}: {text!r} is not a number") from None
        for key, label, _ in _FIELDS:
            if key in ("n", "seed") and not numbers[key].is_integer():
                raise ValueError(f"{label.replace('&', '')}: must be a whole number")
        return numbers

    def _spec_text(self, numbers: dict[str, float]) -> str:
        """The synthetic data spec of ``numbers`` (DataError naming a value out of range)."""
        return self.source.with_values(None, {
            "n": int(numbers["n"]), "noise": numbers["noise"], "seed": int(numbers["seed"]),
            "phi": (numbers["phi0"], numbers["phi1"]),
            "x_range": (numbers["xmin"], numbers["xmax"]),
        })

    def preview(self) -> None:
        """Draw the points the fields describe, or say what is wrong with them."""
        try:
            numbers = self._numbers()
            data = self._spec_text(numbers)
            problem = ProblemSpec(self.spec.model, data, parameters=self.spec.parameters).build()
        except ValueError as exc:  # DataError is a ValueError
            self.data = None
            self.ok.setEnabled(False)
            self.note.setText(str(exc))
            self.note.setStyleSheet("color: #dc322f;")
            return
        self.data = data
        dataset = problem.data
        step = max(1, dataset.n // PREVIEW_POINTS)
        self.points.setData(dataset.x[::step], dataset.y[::step])
        phi = np.array([numbers["phi0"], numbers["phi1"]])
        x = np.linspace(float(dataset.x.min()), float(dataset.x.max()), 400)
        self.curve.setData(x, problem.predict(x, phi))
        shown = f" (one in {step} shown)" if step > 1 else ""
        self.note.setText(f"{dataset.n:,} points{shown}; the line is the model at the true φ")
        self.note.setStyleSheet("")
        self.ok.setEnabled(True)


__all__ = ["PREVIEW_POINTS", "SyntheticDialog"]
