"""Where streamwise reads and writes.

Relative paths in the settings (``var/...``, the store, the index, the ledger, the
models) are taken from the *home*: ``STREAMWISE_HOME`` if set, else the working
directory, so an installed ``streamwise`` works wherever it is run, and a checkout run
from its root behaves as it always did. The configuration is the first of: ``--config``,
``STREAMWISE_CONFIG``, ``<home>/streamwise.yaml`` (what ``streamwise init`` writes),
``<home>/configs/default.yaml`` (a checkout), the packaged default. The τ² data ship
with the package, as do the configs: in a wheel they are ``streamwise/_configs`` and
``streamwise/_data`` (pyproject maps the checkout's ``configs/`` and ``data/`` there).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
CHECKOUT = _PACKAGE.parent  # the source tree; site-packages when installed from a wheel
HOME_CONFIG = "streamwise.yaml"


def home() -> Path:
    return Path(os.environ.get("STREAMWISE_HOME") or Path.cwd()).resolve()


def packaged(name: str) -> Path:
    """``configs`` or ``data``: inside the installed package, else the checkout's folder."""
    inside = _PACKAGE / f"_{name}"
    return inside if inside.is_dir() else CHECKOUT / name


def default_config() -> Path:
    here = home()
    for candidate in (here / HOME_CONFIG, here / "configs" / "default.yaml"):
        if candidate.is_file():
            return candidate
    return packaged("configs") / "default.yaml"


def from_home(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else home() / p
