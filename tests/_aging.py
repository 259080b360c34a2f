"""Date a tree's files and directories back, so that a purge does not take them for pip's.

``purge``/``remove``/``remove_project`` leave by default what was modified in the last few
minutes (a running ``pip install`` may be using it). A test that purges a cache it wrote seconds
ago, and is about something else, ages the cache right after writing it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Union

__all__ = ["HOUR", "age_tree"]

HOUR = 3600.0


def age_tree(path: Union[str, os.PathLike[str]], seconds: float = HOUR) -> None:
    """Set the atime and mtime of ``path`` and of everything below it to ``seconds`` ago.

    Links are dated themselves, never followed (neither their targets nor the directories they
    lead to). A missing ``path`` is left alone.
    """
    when = time.time() - seconds
    root = Path(path)
    if not os.path.lexists(root):
        return
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*filenames, *dirnames):
            os.utime(os.path.join(dirpath, name), (when, when), follow_symlinks=False)
    os.utime(root, (when, when), follow_symlinks=False)
