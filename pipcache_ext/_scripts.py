"""Code that runs inside target interpreters, as ``python -c`` programs.

Each must run unchanged on every Python this library inspects, from 2.7 to 3.14: no f-strings,
no walrus, no ``-I`` (2.7 lacks it). They import nothing that is not in the standard library.
"""

from __future__ import annotations

__all__ = [
    "PIP_BEGIN_MARKER",
    "PIP_BOOTSTRAP",
    "PIP_END_MARKER",
    "PIP_MARKER_ENV",
    "PROBE",
    "PROBE_CACHE_DIR_MODE",
    "PROBE_MARKER",
]

#: The environment variable that hands :data:`PIP_BOOTSTRAP` the nonce of its output markers.
PIP_MARKER_ENV = "PIPCACHE_EXT_PIP_NONCE"

#: What :data:`PIP_BOOTSTRAP` prints around pip's stdout: ``\n<begin><nonce>\n``, pip's output,
#: ``\n<end><nonce>\n``.
PIP_BEGIN_MARKER = "PIPCACHE_EXT_PIP_BEGIN:"
PIP_END_MARKER = "PIPCACHE_EXT_PIP_END:"

# `python -c` puts "" (the working directory) first on sys.path; drop it so a pip/ folder there
# cannot shadow the interpreter's pip, then run pip's __main__ as `python -m pip` would.
# With a nonce in PIP_MARKER_ENV (removed from the environment before pip runs) it prints a begin
# marker before pip and an end marker after it, also when pip exits by SystemExit or an exception,
# flushing around each: what a sitecustomize/usercustomize prints at start or at exit (atexit)
# falls outside them. The leading newline puts a marker on a line of its own after stray output.
PIP_BOOTSTRAP = (
    "import os, sys, runpy\n"
    "sys.path[:1] = [p for p in sys.path[:1] if p]\n"
    "_pipcache_ext_nonce = os.environ.pop('PIPCACHE_EXT_PIP_NONCE', '')\n"
    "def _pipcache_ext_mark(text):\n"
    "    if _pipcache_ext_nonce:\n"
    "        sys.stdout.flush()\n"
    "        sys.stdout.write('\\n' + text + _pipcache_ext_nonce + '\\n')\n"
    "        sys.stdout.flush()\n"
    "_pipcache_ext_mark('PIPCACHE_EXT_PIP_BEGIN:')\n"
    "try:\n"
    "    runpy.run_module('pip', run_name='__main__', alter_sys=True)\n"
    "finally:\n"
    "    _pipcache_ext_mark('PIPCACHE_EXT_PIP_END:')\n"
)

PROBE_MARKER = "PIPCACHE_EXT_PROBE:"

#: The argument that makes :data:`PROBE` also ask pip for its cache dir
#: (``python -c PROBE <nonce> <it>``).
PROBE_CACHE_DIR_MODE = "--pip-cache-dir"

# Describes the interpreter and finds pip's version without importing pip: pip 8-19.1 cannot be
# imported on Python 3.10+, and importing pip would run its code. Prints its JSON answer between
# markers carrying the nonce given as its first argument (PIPCACHE_EXT_PROBE:<nonce>:{...}:<nonce>),
# so what a sitecustomize/usercustomize prints at start or at exit (a path, a fake marker line) is
# never taken for the answer. Without a nonce it prints PIPCACHE_EXT_PROBE:{...}, as it used to.
#
# With PROBE_CACHE_DIR_MODE as its argument it also imports pip and asks it which cache dir
# `pip cache dir` (20.1+; the `install` command before) would report: spec §3.7, the install or
# cache command built and fed no arguments so env and config apply, its raw cache_dir read, §3.4's
# disabled values and §3.5's normalisation applied, and pip's ownership check (§3.6) run.
# Importing pip's command machinery costs 0.2-0.4 s of CPU (the rest of the probe ~0.04 s), so
# PipCache's own probe and a plain discovery run without it; a survey of caches asks.
# Any failure there (pip <= 19.1 on Python 3.10+ cannot be imported) only fills "error".
# "sys_path" and "user_site" let a cached answer be checked: a pip install changes their mtimes.
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
site = sys.modules.get("site")
user_site = getattr(site, "USER_SITE", None) if getattr(site, "ENABLE_USER_SITE", None) else None

def pip_cache_dir():
    try:
        from StringIO import StringIO
    except ImportError:
        from io import StringIO
    if not pip_dir:
        return {"error": "no pip"}
    out = {}
    try:
        import pip
        try:
            from pip._internal.commands import commands_dict
        except ImportError:
            if os.path.isdir(os.path.join(pip_dir, "_internal")):
                raise  # pip 10+ that cannot be imported here, e.g. <= 19.1 on Python 3.10+
            from pip.commands import commands_dict
        name = "cache" if "cache" in commands_dict else "install"
        out["command"] = name
        try:
            from pip._internal.commands import create_command
        except ImportError:
            command = commands_dict[name](isolated=False)
        else:
            command = create_command(name, isolated=False)
        saved, sys.stderr = sys.stderr, StringIO()
        try:
            options = command.parse_args([])[0]
        except SystemExit as exc:
            said = [line for line in sys.stderr.getvalue().splitlines() if line.strip()]
            out["error"] = "pip rejected its configuration (exit %s): %s" % (
                exc.code, said[-1] if said else "no message")
            return out
        finally:
            sys.stderr = saved
        raw = options.cache_dir
        out["raw"] = repr(raw)
        try:
            out["origin"] = cache_dir_origin(command, name, raw)
        except Exception as exc:
            out["origin_error"] = "%s: %s" % (type(exc).__name__, exc)
        if raw is None or raw is False or raw == "" or isinstance(raw, (bool, int)):
            out["disabled"] = True
            return out
        expanded = os.path.expanduser(raw)
        out["relative"] = not os.path.isabs(expanded)
        path = os.path.normcase(os.path.realpath(expanded))
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
    return out

def norm_dir(value):
    return os.path.normcase(os.path.realpath(os.path.expanduser(value)))

def config_settings(parser, name):
    # Every cache-dir/no-cache-dir that pip's loader read, lowest precedence first (sections
    # [global], [<name>], [install], then the environment; files in pip's order within each):
    # [section, kind, file or variable, key, value]
    files = []
    config = getattr(parser, "config", None)
    loaded = getattr(config, "_parsers", None)
    if isinstance(loaded, dict):  # pip 10+: pip's Configuration, file by file
        order = getattr(config, "_override_order", None)
        if order is None:
            try:
                from pip._internal.configuration import OVERRIDE_ORDER as order
            except ImportError:
                order = list(loaded)
        for kind in order:
            for fname, found in loaded.get(kind, ()):
                files.append((str(getattr(kind, "value", kind)), fname, found))
        environ = getattr(config, "get_environ_vars", None) or config._get_environ_vars
    else:  # pip 8-9: pip.baseparser read its files into one parser; read each as it did
        from pip._vendor.six.moves import configparser
        from pip import locations
        kinds = {os.environ.get("PIP_CONFIG_FILE"): "env"}
        for fname in getattr(locations, "site_config_files", ()):
            kinds[fname] = "global"
        kinds[getattr(locations, "legacy_config_file", None)] = "user"
        for fname in parser.files:
            found = configparser.RawConfigParser()
            found.read(fname)
            kind = kinds.get(fname)
            if kind is None:
                kind = "site" if os.path.dirname(fname) == sys.prefix else "user"
            files.append((kind, fname, found))
        environ = parser.get_environ_vars
    settings = []
    for section in ("global", name, "install") if name != "install" else ("global", name):
        for kind, fname, found in files:
            if not found.has_section(section):
                continue
            for key, value in found.items(section):
                key = key.lower().replace("_", "-").lstrip("-")
                if key in ("cache-dir", "no-cache-dir"):
                    settings.append([section, kind, fname, key, value])
    for key, value in environ():
        key = key.lower().replace("_", "-")
        if key in ("cache-dir", "no-cache-dir"):
            variable = "PIP_" + key.upper().replace("-", "_")
            settings.append([":env:", "env-var", variable, key, value])
    return settings, [f[1] for f in files if os.path.exists(f[1])]

def winning(settings, key, sections, masking):
    # The setting of `key` pip applies last: pip 10+ keeps the last value of each section and
    # drops empty ones, sections applied in order; pip 8-9 merge every section into one value,
    # so an empty value hides every earlier one.
    if masking:
        last = None
        for item in settings:
            if item[3] == key:
                last = item
        return last if last is not None and last[4] else None
    for section in reversed(sections):
        last = None
        for item in settings:
            if item[0] == section and item[3] == key:
                last = item
        if last is not None and last[4]:
            return last
    return None

def cache_dir_origin(command, name, raw):
    # Which setting gave `raw` (options.cache_dir), and which one turned the cache off.
    try:
        from pip._internal.locations import USER_CACHE_DIR as default
        masking = False
    except ImportError:
        from pip.locations import USER_CACHE_DIR as default
        masking = True
    settings, files = config_settings(command.parser, name)
    sections = ["global", name, ":env:"]
    chosen = winning(settings, "cache-dir", sections, masking)
    off = winning(settings, "no-cache-dir", sections, masking)
    origin = {"files": files, "default": norm_dir(default), "variable": None}
    if chosen is None:
        origin.update({"source": "default", "where": None, "section": None, "value": None})
        base = "~/Library/Caches/pip" if sys.platform == "darwin" else "~/.cache/pip"
        xdg = os.environ.get("XDG_CACHE_HOME")
        if xdg is not None and sys.platform != "win32" and norm_dir(default) != norm_dir(base):
            origin.update({"variable": "XDG_CACHE_HOME", "value": xdg})
        would = default
    else:
        source = "env" if chosen[0] == ":env:" else "config"
        origin.update({"source": source, "where": chosen[2], "value": chosen[4],
                       "section": None if source == "env" else chosen[0], "kind": chosen[1]})
        would = chosen[4]
    if off is not None:
        origin["disabled_by"] = {"where": off[2], "value": off[4], "kind": off[1],
                                 "section": None if off[0] == ":env:" else off[0]}
    if raw is None or raw is False or raw == "" or isinstance(raw, (bool, int)):
        origin["would_use"] = norm_dir(would)
    if name != "install":  # pip install reads [install], pip cache does not (spec 7.8)
        extra = winning(settings, "cache-dir", ["global", "install", ":env:"], masking)
        if extra is not None and extra[0] == "install":
            origin["install_differs"] = {"where": extra[2], "value": extra[4]}
    return origin

nonce = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else ""
answer = json.dumps({
    "version": ".".join(str(x) for x in sys.version_info[:3]),
    "implementation": impl.name if impl else platform.python_implementation().lower(),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": base,
    "pip_version": pip_version,
    "pip_location": pip_dir,
    "sys_path": [p for p in sys.path if p],
    "user_site": user_site,
    "pip_cache": pip_cache_dir() if "--pip-cache-dir" in sys.argv[1:] else None,
})
print("PIPCACHE_EXT_PROBE:" + (nonce + ":" + answer + ":" + nonce if nonce else answer))
"""
