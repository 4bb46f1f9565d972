"""The command's progress line: on a terminal only, and erased before what follows."""

from __future__ import annotations

import io

from gradviz.cli import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_and_erased() -> None:
    stream = _Terminal()
    progress = Progress("step", stream, delay=0.0)
    assert progress(5, 10) is True
    assert stream.getvalue() == "\rstep 5 of 10\x1b[K"
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[K") and not progress.shown


def test_no_progress_where_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("frame", stream, delay=0.0)
    progress(1, 2)
    progress.clear()
    assert stream.getvalue() == ""


def test_no_progress_for_work_shorter_than_the_delay() -> None:
    stream = _Terminal()
    progress = Progress("step", stream, delay=60.0)
    progress(1, 2)
    progress.clear()
    assert stream.getvalue() == ""


def test_a_fraction_of_the_work_is_shown_as_a_percentage() -> None:
    stream = _Terminal()
    progress = Progress("computing the basins…", stream, delay=0.0)
    progress.fraction(0.427)
    assert stream.getvalue() == "\rcomputing the basins… 42 %\x1b[K"
