"""Code that runs inside target interpreters, as ``python -c`` programs.

Each must run unchanged on every Python this library inspects, from 2.7 to 3.14: no f-strings,
no walrus, no ``-I`` (2.7 lacks it). They import nothing that is not in the standard library.
"""

from __future__ import annotations

__all__ = ["PIP_BOOTSTRAP", "PROBE", "PROBE_MARKER"]

# `python -c` puts "" (the working directory) first on sys.path; drop it so a pip/ folder there
# cannot shadow the interpreter's pip, then run pip's __main__ as `python -m pip` would.
PIP_BOOTSTRAP = (
    "import sys, runpy; sys.path[:1] = [p for p in sys.path[:1] if p]; "
    "runpy.run_module('pip', run_name='__main__', alter_sys=True)"
)

PROBE_MARKER = "PIPCACHE_EXT_PROBE:"

# Describes the interpreter and finds pip's version without importing pip: pip 8-19.1 cannot be
# imported on Python 3.10+, and importing pip would run its code. Prints one marked JSON line.
PROBE = r"""
import json, os, platform, re, sys
sys.path[:1] = [p for p in sys.path[:1] if p]
impl = getattr(sys, "implementation", None)
base = getattr(sys, "real_prefix", None) or getattr(sys, "base_prefix", sys.prefix)
pip_dir = None
try:
    import importlib.util
    spec = importlib.util.find_spec("pip")
    if spec is not None and spec.submodule_search_locations:
        pip_dir = list(spec.submodule_search_locations)[0]
except ImportError:
    import imp
    try:
        pip_dir = imp.find_module("pip")[1]
    except ImportError:
        pip_dir = None
pip_version = None
if pip_dir:
    try:
        with open(os.path.join(pip_dir, "__init__.py")) as f:
            m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
        pip_version = m.group(1) if m else None
    except (IOError, OSError):
        pip_version = None
    if pip_version is None:
        try:
            import pip
            pip_version = pip.__version__
        except Exception:
            pip_version = None
print("PIPCACHE_EXT_PROBE:" + json.dumps({
    "version": ".".join(str(x) for x in sys.version_info[:3]),
    "implementation": impl.name if impl else platform.python_implementation().lower(),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": base,
    "pip_version": pip_version,
    "pip_location": pip_dir,
}))
"""
