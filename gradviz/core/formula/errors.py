"""The one error a formula raises: what is wrong, and where."""

from __future__ import annotations

from gradviz.core.parsing import quote


class FormulaError(ValueError):
    """A formula that is refused: ``message`` says why, at ``column`` (from 1) of
    the text, where ``text`` (the offending part) begins."""

    def __init__(self, message: str, column: int, text: str) -> None:
        super().__init__(f"at column {column} ({quote(text)}): {message}")
        self.message = message
        self.column = column
        self.text = text
