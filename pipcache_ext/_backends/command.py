"""One interpreter's pip, as a command to run with its environment, timeout and runner."""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

from .._pipcmd import pip_command
from .._pipversions import PipVersion
from .._runner import Completed, Runner
from ..models import Interpreter

__all__ = ["PipCommand"]


class PipCommand:
    """``python -m pip ...`` for one interpreter whose pip is known to be ``version``."""

    def __init__(
        self,
        interpreter: Interpreter,
        version: PipVersion,
        *,
        env: Mapping[str, str],
        timeout: float,
        runner: Runner,
    ) -> None:
        self.interpreter = interpreter
        self.version = version
        self.pip_version = interpreter.pip_version
        self.env = env
        self.timeout = timeout
        self.runner = runner

    def run(
        self, args: Tuple[str, ...], *, no_match_ok: bool = False, timeout: Optional[float] = None
    ) -> Completed:
        """Run ``python -m pip <args>``; pip's own stdout, failures as this library's errors."""
        return pip_command(
            self.interpreter,
            args,
            env=self.env,
            timeout=self.timeout if timeout is None else timeout,
            runner=self.runner,
            no_match_ok=no_match_ok,
        )
