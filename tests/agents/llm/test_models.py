"""Model assembly: parts concatenated in order, pinned sha256 checked, mismatch refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from agents.llm.errors import ModelAssemblyError, ModelIntegrityError
from agents.llm.models import DEFAULT_MODEL, MODELS, ModelSpec, assemble, find_parts, verify


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    paths = []
    for i, payload in enumerate([b"GGUF" + b"a" * 1000, b"b" * 2000, b"c" * 3]):
        p = tmp_path / "pkgs" / f"part{i + 1:02d}.bin"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(payload)
        paths.append(p)
    return paths


def spec_for(parts: list[Path]) -> ModelSpec:
    data = b"".join(p.read_bytes() for p in parts)
    return ModelSpec(name="tiny", part_prefix="tiny-part", parts=len(parts), version="1",
                     size=len(data), sha256=hashlib.sha256(data).hexdigest())


def test_assembles_in_order_and_writes_sidecar(parts: list[Path], tmp_path: Path) -> None:
    spec = spec_for(parts)
    out = assemble(spec, tmp_path / "models", parts=parts, quiet=True)
    assert out.read_bytes() == b"".join(p.read_bytes() for p in parts)
    sidecar = json.loads((out.parent / "tiny.gguf.sha256.json").read_text())
    assert sidecar["sha256"] == spec.sha256 and sidecar["size"] == spec.size


def test_second_run_reuses_the_file(parts: list[Path], tmp_path: Path) -> None:
    spec = spec_for(parts)
    out = assemble(spec, tmp_path / "models", parts=parts, quiet=True)
    mtime = out.stat().st_mtime_ns
    # Parts gone: a reuse must not need them.
    assert assemble(spec, tmp_path / "models", parts=[], quiet=True) == out
    assert out.stat().st_mtime_ns == mtime


def test_tampered_part_is_refused_and_nothing_is_left(parts: list[Path], tmp_path: Path) -> None:
    spec = spec_for(parts)
    parts[1].write_bytes(b"X" + parts[1].read_bytes()[1:])  # same size, other bytes
    with pytest.raises(ModelIntegrityError, match="refusing"):
        assemble(spec, tmp_path / "models", parts=parts, quiet=True)
    assert not list((tmp_path / "models").iterdir())


def test_missing_bytes_are_refused(parts: list[Path], tmp_path: Path) -> None:
    spec = spec_for(parts)
    with pytest.raises(ModelIntegrityError, match="add up to"):
        assemble(spec, tmp_path / "models", parts=parts[:2], quiet=True)


def test_tampered_assembled_file_is_rebuilt(parts: list[Path], tmp_path: Path) -> None:
    spec = spec_for(parts)
    out = assemble(spec, tmp_path / "models", parts=parts, quiet=True)
    data = bytearray(out.read_bytes())
    data[10] ^= 0xFF
    out.write_bytes(bytes(data))  # new mtime: the sidecar no longer vouches for it
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify(out, spec)
    assemble(spec, tmp_path / "models", parts=parts, quiet=True)
    verify(out, spec)


def test_unknown_model_and_missing_packages() -> None:
    with pytest.raises(ModelAssemblyError, match="unknown local model"):
        assemble("gpt-9", "/nonexistent")
    ghost = ModelSpec(name="ghost", part_prefix="no-such-streamwise-part", parts=2, version="1",
                      size=1, sha256="0" * 64)
    with pytest.raises(ModelAssemblyError, match="not installed"):
        find_parts(ghost)


def test_default_model_parts_are_installed() -> None:
    spec = MODELS[DEFAULT_MODEL]
    found = find_parts(spec)
    assert len(found) == spec.parts
    assert sum(p.stat().st_size for p in found) == spec.size
    assert [p.name for p in found] == sorted(p.name for p in found)


@pytest.mark.slow
def test_tampered_copy_of_the_real_model_is_refused(tmp_path: Path) -> None:
    spec = MODELS[DEFAULT_MODEL]
    real = assemble(spec, tmp_path / "real", quiet=True)
    verify(real, spec)
    copy = tmp_path / "tampered.gguf"
    shutil.copyfile(real, copy)
    with copy.open("r+b") as f:
        f.seek(spec.size // 2)
        byte = f.read(1)
        f.seek(spec.size // 2)
        f.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(ModelIntegrityError, match=spec.sha256):
        verify(copy, spec)
