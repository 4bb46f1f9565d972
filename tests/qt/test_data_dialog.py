"""The Open data and Synthetic data dialogs: the preview shows the file's columns and
bad cells, the columns are chosen there, every error shows inside the dialog, Cancel
changes nothing and OK fits the model to what was chosen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gradviz.core.problems import ProblemSpec

WIDE = "# made by hand\ntime\tspeed\tlabel\n0.5\t1.5\ta\n1\t2\tb\n2\t0.3\tc\n1\t5\td\n"


def _open(window, qtbot, path: Path):  # type: ignore[no-untyped-def]
    window.open_data(str(path))
    dialog = window.data_dialog
    qtbot.waitUntil(lambda: dialog.table is not None or dialog.problems.text() != "",
                    timeout=10_000)
    return dialog


def test_the_preview_shows_the_columns_and_marks_bad_cells(window, qtbot, tmp_path) -> None:
    path = tmp_path / "wide.txt"
    path.write_text(WIDE)
    dialog = _open(window, qtbot, path)
    assert dialog.isVisible()
    grid = dialog.grid
    assert (grid.rowCount(), grid.columnCount()) == (4, 3)
    assert [grid.horizontalHeaderItem(i).text() for i in range(3)] == [
        "x: 1 (time)", "y: 2 (speed)", "3 (label)"]
    assert grid.verticalHeaderItem(0).text() == "line 3"
    assert grid.item(1, 2).text() == "b" and grid.item(1, 2).toolTip() == "not a usable number"
    assert grid.item(1, 1).toolTip() == ""
    assert dialog.summary.text() == "4 rows × 3 columns, separated by white space; a header line"
    assert [dialog.x_combo.itemText(i) for i in range(3)] == ["1 (time)", "2 (speed)",
                                                              "3 (label)"]
    # The first two columns are good: OK is on; the label column is noted, not an error.
    assert dialog.ok.isEnabled()
    assert dialog.problems.isHidden()
    assert dialog.notes.text() == ("Column 3 (label), not chosen: 4 cells are not numbers; "
                                   "the first on line 3: 'a'.")


def test_choosing_a_bad_column_says_why_and_keeps_ok_off(window, qtbot, tmp_path) -> None:
    path = tmp_path / "wide.txt"
    path.write_text(WIDE)
    dialog = _open(window, qtbot, path)
    dialog.y_combo.setCurrentIndex(2)
    assert not dialog.ok.isEnabled()
    text = dialog.problems.text()
    assert "Column 3 (label): 4 cells are not numbers; the first on line 3: 'a'." in text
    assert "Choose other columns" in text
    dialog.x_combo.setCurrentIndex(1)
    dialog.y_combo.setCurrentIndex(0)
    assert dialog.ok.isEnabled()
    assert dialog.grid.horizontalHeaderItem(0).text() == "y: 1 (time)"
    assert dialog.chosen_spec() == f"{path}:x=speed,y=time"


def test_ok_fits_the_chosen_columns(window, qtbot, tmp_path) -> None:
    path = tmp_path / "wide.txt"
    path.write_text(WIDE)
    c = window.controller
    dialog = _open(window, qtbot, path)
    dialog.x_combo.setCurrentIndex(1)
    dialog.y_combo.setCurrentIndex(0)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button: OK
    assert window.busy.text() == "reading wide.txt (speed, time)…"
    qtbot.waitUntil(lambda: c.spec.data == f"{path}:x=speed,y=time", timeout=10_000)
    assert c.problem.data.x.tolist() == [1.5, 2.0, 0.3, 5.0]  # duplicate x are allowed too
    assert window.data_dialog is None
    assert window.control_panel.data_combo.currentText() == "wide.txt (speed, time)"


def test_cancel_changes_nothing(window, qtbot, tmp_path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("x,y\n0,1\n1,2\n")
    c = window.controller
    before = (c.spec, c.problem)
    dialog = _open(window, qtbot, path)
    assert dialog.ok.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and window.data_dialog is None
    qtbot.wait(50)  # a problem switch would have been asked for at once
    assert (c.spec, c.problem) == before


@pytest.mark.parametrize(("content", "words"), [
    (b"", "the file is empty"),
    (b"x,y\n1,2\n", "1 data row(s): at least 2 are needed."),
    (bytes(range(256)), "not a text file"),
    (b"x,y\n1,2\n3,4,5\n", "line 3: 3 columns, but line 1 has 2"),
    (b"1\n2\n", "1 column; at least 2"),
])
def test_every_error_shows_in_the_dialog(window, qtbot, tmp_path, content, words) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    c = window.controller
    before = (c.spec, c.problem)
    dialog = _open(window, qtbot, path)
    qtbot.waitUntil(lambda: words in dialog.problems.text(), timeout=5000)
    assert not dialog.ok.isEnabled() and dialog.problems.isVisible()
    assert window.message_bar.text() == "" or words not in window.message_bar.text()
    dialog.reject()
    assert (c.spec, c.problem) == before


def test_a_missing_file_and_a_forced_header(window, qtbot, tmp_path) -> None:
    dialog = _open(window, qtbot, tmp_path / "absent.csv")
    qtbot.waitUntil(lambda: "no such file" in dialog.problems.text(), timeout=5000)
    path = tmp_path / "years.csv"
    path.write_text("2020,2021\n1,2\n3,4\n")
    dialog.path = str(path)
    dialog.request_preview()
    qtbot.waitUntil(lambda: dialog.table is not None, timeout=5000)
    assert dialog.table.rows == 3 and not dialog.table.header
    dialog.header_combo.setCurrentIndex(1)  # first line is a header
    dialog.request_preview()
    qtbot.waitUntil(lambda: dialog.table is not None, timeout=5000)
    assert dialog.table.rows == 2 and dialog.x_combo.itemText(0) == "1 (2020)"
    assert dialog.chosen_spec() == f"{path}:header=yes"
    dialog.reject()


def test_a_large_file_is_read_with_progress_while_the_window_answers(window, qtbot,
                                                                    tmp_path) -> None:
    path = tmp_path / "large.csv"
    rows = 400_000
    # A text column makes the reader go line by line, which reports its progress.
    path.write_text("x,y,note\n" + "".join(f"{v},{2 * v},n\n" for v in range(rows)))
    progress: list[float] = []
    window.open_data(str(path))
    dialog = window.data_dialog
    dialog.progress.valueChanged.connect(progress.append)
    assert dialog.progress.isVisible() and not dialog.ok.isEnabled()
    qtbot.waitUntil(lambda: dialog.table is not None, timeout=60_000)
    assert progress and 0 < max(progress) < 100
    assert dialog.table.rows == rows and dialog.ok.isEnabled()
    assert dialog.summary.text().startswith("400,000 rows (the first 50 shown) × 3 columns")
    assert not dialog.progress.isVisible()
    assert dialog.chosen_spec() == f"{path}:x=x,y=y"
    dialog.reject()


def test_the_synthetic_dialog_previews_and_applies(window, qtbot) -> None:
    c = window.controller
    window.synthetic_data()
    dialog = window.synthetic_dialog
    assert dialog.isVisible() and dialog.ok.isEnabled()
    for key, value in (("phi0", "0.1"), ("phi1", "16"), ("n", "1000000"), ("noise", "0.2"),
                       ("seed", "3"), ("xmin", "-15"), ("xmax", "15")):
        dialog.fields[key].setText(value)
    dialog.preview()
    assert dialog.note.text() == ("1,000,000 points (one in 500 shown); the line is the model "
                                  "at the true φ")
    assert len(dialog.points.data) == 2000
    before = (c.spec, c.problem)
    dialog.fields["n"].setText("1")
    dialog.preview()
    assert not dialog.ok.isEnabled() and "n must be between 2" in dialog.note.text()
    dialog.fields["noise"].setText("loud")
    dialog.preview()
    assert "Noise σ: 'loud' is not a number" in dialog.note.text()
    dialog.fields["noise"].setText("0.2")
    dialog.fields["seed"].setText("1.5")
    dialog.preview()
    assert dialog.note.text() == "Seed: must be a whole number"
    dialog.fields["seed"].setText("3")
    assert (c.spec, c.problem) == before
    dialog.fields["n"].setText("200")
    dialog.fields["noise"].setText("0.2")
    dialog.preview()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.problem.n_points == 200, timeout=5000)
    assert c.spec == replace(before[0], data="synthetic:n=200,noise=0.2,seed=3,phi0=0.1,"
                                             "phi1=16,xmin=-15,xmax=15")


def test_the_data_actions_ask_for_a_model_with_data(window, qtbot) -> None:
    window.controller.set_problem(ProblemSpec("ravine"))
    window.open_data("whatever.csv")
    window.synthetic_data()
    assert window.data_dialog is None and window.synthetic_dialog is None
    assert "analytic surface" in window.message_bar.text()


def test_a_broken_file_spec_is_refused_with_its_reason(window, qtbot, tmp_path) -> None:
    c = window.controller
    before = (c.spec, c.problem)
    with qtbot.waitSignal(c.problemRefused, timeout=5000):
        c.set_problem(replace(c.spec, data=f"{tmp_path}/a.csv:x=1,y=2,x=3"))
    assert (c.spec, c.problem) == before
    assert "x is given twice" in window.message_bar.text()


@pytest.mark.parametrize("source", ["file", "synthetic"])
def test_new_data_of_a_larger_scale_get_a_stable_rate_in_the_message_bar(
    window, qtbot, tmp_path, source
) -> None:
    c = window.controller
    c.set_problem(ProblemSpec("linear"))
    qtbot.waitUntil(lambda: c.problem.name == "linear", timeout=5000)
    if source == "file":
        path = tmp_path / "far.csv"
        path.write_text("x,y\n" + "".join(f"{x},{3 + x / 2}\n" for x in range(0, 100, 5)))
        dialog = _open(window, qtbot, path)
    else:
        window.synthetic_data()
        dialog = window.synthetic_dialog
        for key, value in (("n", "200"), ("xmin", "-15"), ("xmax", "15")):
            dialog.fields[key].setText(value)
        dialog.preview()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.problem.n_points in (20, 200), timeout=10_000)
    lr = c.runs[0].settings.hyperparameters["lr"]
    assert lr < c.problem.recommended_lr["gd"] and f"{lr:.1g}" == repr(lr)  # round, lower
    assert window.message_bar.text().startswith(
        "New data: α lowered below the step-size bound, where it would diverge: GD α=0.02 → "
        f"α = {lr:g} (2/λmax = ")
    qtbot.waitUntil(lambda: window.control_panel.hyper_fields["lr"].value == lr, timeout=3000)
