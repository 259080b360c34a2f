"""conda's (and mamba's) environments."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from ..context import DiscoveryContext, env_pythons, is_dir, read_lines, subdirs
from .base import Provider

__all__ = ["CondaProvider"]


class CondaProvider(Provider):
    """conda's base environments, their ``envs/*``, and ``~/.conda/environments.txt``.

    Bases come from ``$CONDA_EXE``/``$CONDA_PYTHON_EXE`` (``<base>/bin/conda``),
    ``$CONDA_PREFIX``, ``$MAMBA_ROOT_PREFIX`` and the usual install locations. A directory is an
    environment when it has ``conda-meta/``.
    """

    name = "conda"

    _HOME_BASES = ("miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba",
                   "miniconda", "anaconda", ".conda")  # fmt: skip
    _ROOT_BASES = ("opt/conda", "opt/miniconda3", "opt/anaconda3", "opt/miniforge3",
                   "usr/local/miniconda3", "usr/local/anaconda3")  # fmt: skip

    def __init__(self, ctx: DiscoveryContext, prefixes: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.prefixes = prefixes

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        env = ctx.env
        bases = [
            Path(env[v]).parent.parent for v in ("CONDA_EXE", "CONDA_PYTHON_EXE") if env.get(v)
        ]
        bases.extend(
            Path(env[v]) for v in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_PREFIX") if env.get(v)
        )
        bases.extend(ctx.home / name for name in cls._HOME_BASES)
        bases.extend(ctx.root / name for name in cls._ROOT_BASES)
        prefixes: List[Path] = []
        for base in bases:
            for prefix in (base, *subdirs(base / "envs")):
                if prefix not in prefixes and is_dir(prefix / "conda-meta"):
                    prefixes.append(prefix)
        for line in read_lines(ctx.home / ".conda" / "environments.txt"):
            prefix = Path(line.strip())
            if line.strip() and prefix not in prefixes and is_dir(prefix / "conda-meta"):
                prefixes.append(prefix)
        return cls(ctx, prefixes) if prefixes else None

    def candidates(self) -> Iterator[Path]:
        for prefix in self.prefixes:
            yield from env_pythons(prefix, self.ctx.platform)
