"""macOS frameworks, the Windows registry (PEP 514) and the py launcher, on every OS."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from _discovery_fakes import (
    Recorder,
    fake_python,
    script,
)

from pipcache_ext._discovery import discover, parse_py_launcher

pytest_plugins = ["_discovery_fixtures"]


def test_macos_frameworks(tmp_path: Path, context) -> None:
    root = tmp_path / "root"
    versions = root / "Library" / "Frameworks" / "Python.framework" / "Versions"
    fake_python(versions / "3.12" / "bin" / "python3.12", version="3.12.4")
    (versions / "3.12" / "bin" / "python3").symlink_to("python3.12")
    (versions / "Current").symlink_to("3.12")
    brew = root / "opt" / "homebrew" / "opt" / "python@3.11" / "Frameworks" / "Python.framework"
    fake_python(brew / "Versions" / "3.11" / "bin" / "python3.11", version="3.11.9")
    assert discover(context(), sources=["framework"]).result.sources == ()  # not on Linux
    result = discover(context(platform="darwin"), sources=["framework"]).result
    assert [(i.version, i.path) for i in result.interpreters] == [
        ("3.11.9", brew / "Versions" / "3.11" / "bin" / "python3.11"),
        ("3.12.4", versions / "3.12" / "bin" / "python3"),
    ]
    assert len(result.interpreters[1].aliases) == 3  # python3.12 and both through Current


class FakeKey:
    def __init__(self, node: dict) -> None:
        self.node = node

    def __enter__(self) -> FakeKey:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *args: object) -> None:
        return None


class FakeWinreg:
    """``winreg`` over nested dicts, one tree per (hive, registry view); values under ``@``."""

    HKEY_CURRENT_USER = 1
    HKEY_LOCAL_MACHINE = 2
    KEY_READ = 0x20019
    KEY_WOW64_64KEY = 0x100
    KEY_WOW64_32KEY = 0x200

    def __init__(self, trees: Dict[Tuple[int, int], dict]) -> None:
        self.trees = trees
        self.opened: List[str] = []

    def OpenKey(  # noqa: N802 - winreg's name
        self, key, sub_key: str, reserved: int = 0, access: int = KEY_READ
    ) -> FakeKey:
        assert reserved == 0
        view = access & (self.KEY_WOW64_64KEY | self.KEY_WOW64_32KEY)
        node = self.trees.get((key, view), {}) if isinstance(key, int) else key.node
        for part in sub_key.split("\\"):
            if part == "@" or part not in node:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            node = node[part]
        self.opened.append(sub_key)
        return FakeKey(node)

    def EnumKey(self, key: FakeKey, index: int) -> str:  # noqa: N802
        names = [name for name in key.node if name != "@"]
        if index >= len(names):
            raise OSError(259, "No more data is available")
        return names[index]

    def QueryValueEx(self, key: FakeKey, name: str) -> Tuple[object, int]:  # noqa: N802
        values = key.node.get("@", {})
        if name not in values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return values[name], 1


def test_windows_registry_pep514(tmp_path: Path, context) -> None:
    user = fake_python(tmp_path / "user" / "python.exe", version="3.13.1")
    machine64 = fake_python(tmp_path / "m64" / "python.exe", version="3.12.8")
    machine32 = fake_python(tmp_path / "m32" / "python.exe", version="3.11.9")
    anaconda = fake_python(tmp_path / "conda" / "python.exe", version="3.9.12")
    reg = FakeWinreg({
        (1, 0): {"Software": {"Python": {
            "PythonCore": {"3.13": {"InstallPath": {"@": {"": str(tmp_path / "user"),
                                                           "ExecutablePath": str(user)}}}},
            "PyLauncher": {"Language": {"InstallPath": {"@": {"": str(tmp_path / "launcher")}}}},
        }}},
        (2, 0x100): {"Software": {"Python": {
            # Only the default value: <dir>\python.exe (PEP 514 before ExecutablePath).
            "PythonCore": {"3.12": {"InstallPath": {"@": {"": str(tmp_path / "m64")}}},
                           "3.10": {"Help": {}},
                           "3.8": {"InstallPath": {"@": {}}}},
            "ContinuumAnalytics": {"Anaconda39-64": {"InstallPath": {"@": {
                "ExecutablePath": str(anaconda)}}}},
        }}},
        (2, 0x200): {"Software": {"Python": {
            "PythonCore": {"3.11-32": {"InstallPath": {"@": {"ExecutablePath": str(machine32)}}}},
        }}},
    })  # fmt: skip
    result = discover(context(winreg=reg), sources=["pep514"]).result
    assert sorted(i.path for i in result.interpreters) == sorted(
        [user, machine64, machine32, anaconda]
    )
    assert all(i.sources == ("pep514",) for i in result.interpreters)
    assert [(f.path, f.reason) for f in result.failures] == [
        (Path("PythonCore\\3.8"), "registered without an install path")
    ]
    assert not any("PyLauncher\\" in key for key in reg.opened)


def test_no_registry_off_windows(context) -> None:
    assert discover(context(), sources=["pep514"]).result.sources == ()


def test_py_launcher_lists_through_the_runner(tmp_path: Path, context) -> None:
    one = fake_python(tmp_path / "Python312" / "python.exe", version="3.12.0")
    two = fake_python(tmp_path / "Program Files" / "Python 3.11" / "python.exe", version="3.11.4")
    launcher = tmp_path / "launcher"
    listing = [
        "Installed Pythons found by py Launcher for Windows",
        f" -3.12-64        {one} *",
        f" -3.11-64        {two}",
    ]
    launcher.mkdir()
    lines = " ".join(f"'{line}'" for line in listing)
    script(launcher / "py", f"#!/bin/sh\n[ \"$1\" = -0p ] || exit 9\nprintf '%s\\n' {lines}\n")
    recorder = Recorder()
    ctx = context(path=[launcher], platform="win32", runner=recorder)
    result = discover(ctx, sources=["py-launcher"]).result
    assert sorted(i.path for i in result.interpreters) == sorted([one, two])
    assert recorder.calls[0] == (str(launcher / "py"), "-0p")


def test_py_launcher_failure_is_reported(tmp_path: Path, context) -> None:
    script(tmp_path / "py", "#!/bin/sh\necho 'broken launcher' >&2\nexit 1\n")
    result = discover(context(path=[tmp_path], platform="win32"), sources=["py-launcher"]).result
    assert result.interpreters == ()
    assert [(f.path, f.reason) for f in result.failures] == [
        (tmp_path / "py", "'py -0p' exited with code 1: broken launcher")
    ]


def test_parse_py_launcher_formats() -> None:
    old = """Installed Pythons found by C:\\WINDOWS\\py.exe Launcher for Windows
 -3.12-64        C:\\Python312\\python.exe *
 -3.11-32        C:\\Program Files (x86)\\Python311-32\\python.exe
"""
    new = """ -V:3.13 *        C:\\Users\\me\\AppData\\Local\\Python313\\python.exe
 -V:ContinuumAnalytics/Anaconda39-64 C:\\Users\\me\\anaconda3\\python.exe
 -V:3.14t         \\\\server\\share\\Python314\\python3.14t.exe
"""
    assert [str(p) for p in parse_py_launcher(old)] == [
        "C:\\Python312\\python.exe",
        "C:\\Program Files (x86)\\Python311-32\\python.exe",
    ]
    assert [str(p) for p in parse_py_launcher(new)] == [
        "C:\\Users\\me\\AppData\\Local\\Python313\\python.exe",
        "C:\\Users\\me\\anaconda3\\python.exe",
        "\\\\server\\share\\Python314\\python3.14t.exe",
    ]
    assert parse_py_launcher("No Installed Pythons Found!\n") == []
    assert parse_py_launcher(" -3.12-64 relative\\python.exe\n") == []
