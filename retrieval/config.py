"""Settings of the retrieval package."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index_dir: str = "var/index"
    device: Literal["auto", "cpu", "gpu"] = "auto"
    threads: int = Field(default=1, ge=1)
    batch_size: int = Field(default=64, ge=1)
    hybrid: bool = True
