"""Packaging that pyproject.toml cannot say: the checkout's ``configs/`` and ``data/`` (the
τ² retail data) ship inside the wheel as ``streamwise/_configs`` and ``streamwise/_data``,
where ``streamwise.paths`` finds them; and the packages' own data files."""

from setuptools import find_packages, setup

PACKAGES = ["streamwise*", "streams*", "tools*", "retrieval*", "agents*", "payloads*", "evals*"]

setup(
    packages=[*find_packages(include=PACKAGES), "streamwise._configs", "streamwise._data"],
    package_dir={"streamwise._configs": "configs", "streamwise._data": "data"},
    package_data={
        "streamwise._configs": ["*.yaml"],
        "streamwise._data": ["*"],
        "streamwise.api": ["static/*", "static/vendor/*", "templates/*"],
        "evals": ["sets/*.jsonl"],
        "": ["*.jsonl", "*.json"],
    },
)
