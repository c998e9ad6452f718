"""The two locks: requirements.lock holds exactly what the platform needs to run (the
closure of pyproject's dependencies), requirements-dev.lock the tools on top."""

from __future__ import annotations

import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from streamwise.settings import ROOT


def _lock(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            package, sep, version = line.partition("==")
            assert sep, f"{name}: {line!r} is not pinned with =="
            pins[canonicalize_name(package)] = version.strip()
    return pins


def _closure(requirements: list[str]) -> set[str]:
    """Names of ``requirements`` and everything they need, from the installed metadata."""
    seen: dict[str, set[str]] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen and set(req.extras) <= seen[name]:
            continue
        extras = seen.setdefault(name, set())
        extras.update(req.extras)
        for spec in metadata.distribution(req.name).requires or []:
            dep = Requirement(spec)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e})
                                         for e in ["", *sorted(extras)]):
                todo.append(dep)
    return set(seen)


def test_runtime_and_dev_locks_are_split_by_what_the_runtime_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _lock("requirements.lock"), _lock("requirements-dev.lock")
    assert not set(runtime) & set(dev), "a package is in both locks"
    for spec in project["dependencies"]:
        req = Requirement(spec)
        pinned = runtime.get(canonicalize_name(req.name))
        assert pinned is not None and req.specifier.contains(pinned), f"{spec} vs lock {pinned}"
    for spec in project["optional-dependencies"]["dev"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in dev, f"{spec} (a dev tool) is missing from requirements-dev.lock"
        assert req.specifier.contains(dev[name]), f"{spec} vs lock {dev[name]}"
    needed = _closure(project["dependencies"]) - {"setuptools", "pip"}
    assert needed - set(runtime) == set(), "the runtime needs these, add them to requirements.lock"
    assert set(runtime) - needed == set(), "nothing at run time needs these: requirements-dev.lock"
