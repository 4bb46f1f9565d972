"""The 3D view's place beside the heatmap: made the first time it is shown (it loads
OpenGL), and its View-menu action, greyed out with the reason where OpenGL cannot start."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtGui
from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter

from gradviz.qt.gl_check import opengl_problem

if TYPE_CHECKING:
    from gradviz.qt.views.surface_3d import Surface3DView


class View3DSlot:
    """Where the 3D view goes in ``views`` (beside the heatmap), toggled by ``action``.

    Parameters
    ----------
    views : QSplitter
        The splitter of the heatmap (first) and the plots beside it.
    action : QAction
        The View menu's checkable "3D view".
    dress : callable
        Gives a new view the window's look, colours and surface.
    """

    def __init__(self, views: QSplitter, action: QAction,
                 dress: Callable[[Surface3DView], None]) -> None:
        self._views, self._action, self._dress = views, action, dress
        self.view: Surface3DView | None = None
        """The view, once it has been shown."""
        self._checked = False
        self._problem: str | None = None

    def problem(self) -> str | None:
        """Why the 3D view cannot start here, or ``None``. Asked when first needed (the
        View menu, its key, an export), not at launch: it takes a tenth of a second.
        Where it cannot, the action is greyed out and says why."""
        if not self._checked:
            self._checked = True
            self._problem = problem = opengl_problem()
            if problem is not None:
                action = self._action
                action.setEnabled(False)
                action.setChecked(False)
                action.setText(f"3D view (unavailable: {problem})")
                action.setStatusTip(problem)
                action.setToolTip(QtGui.Qt.convertFromPlainText(f"3D view unavailable: {problem}"))
        return self._problem

    def show(self, shown: bool) -> bool:
        """Show the view beside the heatmap (made the first time), or hide it; whether
        it is shown now."""
        problem = self.problem() if shown or self.view is not None else None
        with QSignalBlocker(self._action):
            self._action.setChecked(shown and problem is None)
        if problem is not None or (self.view is None and not shown):
            return False
        if self.view is None:
            from gradviz.qt.views.surface_3d import Surface3DView  # loads OpenGL: only if asked

            self.view = Surface3DView()
            self._dress(self.view)
            self._views.insertWidget(1, self.view)
        self.view.setVisible(shown)
        if shown:  # half of the heatmap's width
            sizes = self._views.sizes()
            sizes[0] = sizes[1] = (sizes[0] + sizes[1]) // 2
            self._views.setSizes(sizes)
        return shown
