"""Locate the data files under ``resources/`` in a source tree or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent

# A wheel carries the files inside the package (``gradviz/resources``); a source
# checkout or an editable install keeps them at the top of the repository.
_CANDIDATES = (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources")


def resources_dir() -> Path:
    """Return the directory that holds gradviz's data files.

    Raises
    ------
    FileNotFoundError
        If neither the installed nor the source-tree location exists.
    """
    for candidate in _CANDIDATES:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "gradviz resources not found; looked in " + ", ".join(str(c) for c in _CANDIDATES)
    )


def resource_path(*parts: str) -> Path:
    """Return the path of a file below the resources directory."""
    return resources_dir().joinpath(*parts)
