"""Code that runs inside target interpreters, as ``python -c`` programs.

Each must run unchanged on every Python this library inspects, from 2.7 to 3.14: no f-strings,
no walrus, no ``-I`` (2.7 lacks it). They import nothing that is not in the standard library.
"""

from __future__ import annotations

__all__ = ["LEGACY_CACHE_DIR", "LEGACY_MARKER", "PIP_BOOTSTRAP", "PROBE", "PROBE_MARKER"]

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

LEGACY_MARKER = "PIPCACHE_EXT_LEGACY:"

# Asks the interpreter's own pip (8.0+) which cache dir `pip install` would use, applying its own
# env and config handling (spec §3.7): build the install command, parse no arguments, read
# options.cache_dir. Then the ownership check pip's install runs (pip 8-19 in the command, 20.0+
# for every command), and the normalisation of 20.0+ (expanduser, realpath, normcase).
LEGACY_CACHE_DIR = r"""
import json, os, sys
sys.path[:1] = [p for p in sys.path[:1] if p]
out = {}
try:
    import pip
    out["pip_version"] = pip.__version__
    try:
        from pip._internal.commands import create_command
        command = create_command("install", isolated=False)
    except ImportError:
        try:
            from pip._internal.commands import commands_dict
        except ImportError:
            from pip.commands import commands_dict
        command = commands_dict["install"](isolated=False)
    try:
        options, _ = command.parse_args([])
    except SystemExit as exc:
        out["error"] = "pip rejected its configuration (exit %s)" % (exc.code,)
        options = None
    if options is not None:
        raw = options.cache_dir
        out["raw"] = repr(raw)
        if raw is None or raw is False or raw == "" or isinstance(raw, (bool, int)):
            out["disabled"] = True
        else:
            path = os.path.normcase(os.path.realpath(os.path.expanduser(raw)))
            out["cache_dir"] = path
            try:
                from pip._internal.utils.filesystem import check_path_owner
            except ImportError:
                try:
                    from pip.utils.filesystem import check_path_owner
                except ImportError:
                    check_path_owner = None
            if check_path_owner is not None and not check_path_owner(path):
                out["not_owned"] = True
except Exception as exc:
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
sys.stdout.write("PIPCACHE_EXT_LEGACY:" + json.dumps(out) + "\n")
sys.exit(1 if "error" in out else 0)
"""
