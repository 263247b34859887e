"""Where the bundled decks, lab specs and base model live.

The decks sit at the repository root in a source checkout (editable install) and are copied into
`studykit/_bundled/` in a built wheel; both layouts are looked up here, once, so no other module
guesses. The lab specs and the base model live inside the package, so both layouts share one path.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = PACKAGE_DIR.parent
_BUNDLED = PACKAGE_DIR / "_bundled"


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def bundled_decks_dir() -> Path:
    """The folder of YAML decks shipped with studykit."""
    return _first_existing(_REPO_ROOT / "decks", _BUNDLED / "decks")


def bundled_labs_dir() -> Path:
    """The folder of declarative lab specs (`NAME.yaml`, each beside its script `NAME.py`)."""
    return PACKAGE_DIR / "lab" / "experiments"


def bundled_model_dir() -> Path:
    """The tiny GPT-2 the labs use by default (built by `studykit model pretrain`)."""
    return PACKAGE_DIR / "lab" / "base_model"
