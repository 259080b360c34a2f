"""Where :class:`~pipcache_ext.api.PipCache` used to find its interpreter; now in ``_probing``.

Kept so that existing imports (``from ._interpreters import PythonSpec, probe_interpreter``)
work; new code imports from :mod:`pipcache_ext._probing`.
"""

from __future__ import annotations

from ._probing import PythonSpec, probe_interpreter, resolve_executable

__all__ = ["PythonSpec", "probe_interpreter", "resolve_executable"]
