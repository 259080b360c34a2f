"""``location()`` against real pips 9.0.3, 19.3.1, 20.1, 23.2.1 and 26.3, setting by setting.

Each case writes one setting (a variable, a config file in one of pip's places) and checks that
``cache_dir`` is the dir the test named, that pip 20.1+'s own ``pip cache dir`` prints it too,
and that the source names the variable or file (and section) the test wrote. pip 26.3 also
checks this library's own rules (:func:`~pipcache_ext._locrules.rules_location`), which answer
where there is no pip.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

import pytest
from conftest import venv_or_fail

from pipcache_ext import CacheDisabledError, PipCache, cache_location
from pipcache_ext._locrules import rules_location

pytestmark = pytest.mark.realpip

PIPS = {
    "8.1.2": "3.6",
    "9.0.3": "3.6",
    "19.3.1": "3.11",
    "20.1": "3.8",
    "23.2.1": "3.11",
    "26.3": "3.12",
}


class Setup(NamedTuple):
    python: Path  # the interpreter to ask
    prefix: Path  # its sys.prefix
    env: Dict[str, str]
    home: Path
    tmp: Path


class Expected(NamedTuple):
    cache_dir: Optional[Path]  # None: disabled
    source: str
    variable: Optional[str] = None
    config_file: Optional[Path] = None
    section: Optional[str] = None
    disabled_by: Tuple[str, ...] = ()  # words its disabled_by must hold
    would_use: Optional[Path] = None


def _conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _site_venv(tmp: Path, venv: Path) -> Path:
    """A venv of its own (a ``pyvenv.cfg`` and a link), whose pip is the cached venv's (a .pth).

    Its ``sys.prefix`` is private, so a ``pip.conf`` there is read by its pip alone.
    """
    target = tmp / "site-venv"
    (target / "bin").mkdir(parents=True)
    (target / "pyvenv.cfg").write_text((venv / "pyvenv.cfg").read_text())
    (target / "bin" / "python").symlink_to(os.path.realpath(venv / "bin" / "python"))
    (site,) = (venv / "lib").glob("python*/site-packages")
    own = target / "lib" / site.parent.name / "site-packages"
    own.mkdir(parents=True)
    (own / "cached-pip.pth").write_text(f"{site}\n")
    return target


# -- the cases: each writes its setting and says what pip must answer --------------------------


def _none(s: Setup, pip: str) -> Expected:
    del s.env["XDG_CACHE_HOME"]
    return Expected(s.home / ".cache" / "pip", "default")


def _xdg_cache_home(s: Setup, pip: str) -> Expected:
    s.env["XDG_CACHE_HOME"] = str(s.tmp / "xdg-cache-here")
    return Expected(s.tmp / "xdg-cache-here" / "pip", "default", variable="XDG_CACHE_HOME")


def _pip_cache_dir(s: Setup, pip: str) -> Expected:
    s.env["PIP_CACHE_DIR"] = str(s.tmp / "from-env")
    return Expected(s.tmp / "from-env", "env", variable="PIP_CACHE_DIR")


def _user_legacy(s: Setup, pip: str) -> Expected:
    del s.env["PIP_CONFIG_FILE"]
    conf = _conf(s.home / ".pip" / "pip.conf", f"[global]\ncache-dir = {s.tmp / 'legacy'}\n")
    return Expected(s.tmp / "legacy", "config", config_file=conf, section="global")


def _user_xdg(s: Setup, pip: str) -> Expected:
    del s.env["PIP_CONFIG_FILE"]
    _conf(s.home / ".pip" / "pip.conf", f"[global]\ncache-dir = {s.tmp / 'legacy'}\n")
    xdg = Path(s.env["XDG_CONFIG_HOME"]) / "pip" / "pip.conf"
    conf = _conf(xdg, f"[global]\ncache_dir = {s.tmp / 'xdg-user'}\n")  # "_": pip reads it too
    return Expected(s.tmp / "xdg-user", "config", config_file=conf, section="global")


def _global(s: Setup, pip: str) -> Expected:
    del s.env["PIP_CONFIG_FILE"]
    site_dir = Path(s.env["XDG_CONFIG_DIRS"]) / "pip" / "pip.conf"  # what /etc/xdg/pip is
    conf = _conf(site_dir, f"[global]\ncache-dir = {s.tmp / 'global'}\n")
    return Expected(s.tmp / "global", "config", config_file=conf, section="global")


def _venv_site(s: Setup, pip: str) -> Expected:
    del s.env["PIP_CONFIG_FILE"]
    conf = _conf(s.prefix / "pip.conf", f"[global]\ncache-dir = {s.tmp / 'site'}\n")
    return Expected(s.tmp / "site", "config", config_file=conf, section="global")


def _pip_config_file(s: Setup, pip: str) -> Expected:
    conf = _conf(s.tmp / "env.conf", f"[global]\ncache-dir = {s.tmp / 'env-file'}\n")
    s.env["PIP_CONFIG_FILE"] = str(conf)
    return Expected(s.tmp / "env-file", "config", config_file=conf, section="global")


def _install_vs_global(s: Setup, pip: str) -> Expected:
    text = f"[global]\ncache-dir = {s.tmp / 'g'}\n[install]\ncache-dir = {s.tmp / 'i'}\n"
    conf = _conf(s.tmp / "env.conf", text)
    s.env["PIP_CONFIG_FILE"] = str(conf)
    if pip in ("8.1.2", "9.0.3", "19.3.1"):  # no `pip cache`: pip install's dir, [install] wins
        return Expected(s.tmp / "i", "config", config_file=conf, section="install")
    return Expected(s.tmp / "g", "config", config_file=conf, section="global")  # [cache] only


def _no_cache_env(s: Setup, pip: str) -> Expected:
    s.env["PIP_NO_CACHE_DIR"] = "false"  # disables, in every pip (spec 3.4)
    would = Path(s.env["XDG_CACHE_HOME"]) / "pip"
    return Expected(
        None, "default", "XDG_CACHE_HOME", disabled_by=("PIP_NO_CACHE_DIR=false",), would_use=would
    )


def _no_cache_config(s: Setup, pip: str) -> Expected:
    conf = _conf(s.tmp / "env.conf", f"[global]\ncache-dir = {s.tmp / 'c'}\nno-cache-dir = yes\n")
    s.env["PIP_CONFIG_FILE"] = str(conf)
    words = ("no-cache-dir = yes", str(conf), "[global]")
    return Expected(
        None, "config", config_file=conf, section="global", disabled_by=words, would_use=s.tmp / "c"
    )


CASES: Dict[str, Callable[[Setup, str], Expected]] = {
    "none": _none,
    "XDG_CACHE_HOME": _xdg_cache_home,
    "PIP_CACHE_DIR": _pip_cache_dir,
    "user-legacy": _user_legacy,
    "user-xdg": _user_xdg,
    "global-xdg": _global,
    "venv-site": _venv_site,
    "PIP_CONFIG_FILE": _pip_config_file,
    "install-vs-global": _install_vs_global,
    "PIP_NO_CACHE_DIR": _no_cache_env,
    "no-cache-dir-config": _no_cache_config,
}


def _real(path: Optional[Path]) -> Optional[Path]:
    return None if path is None else Path(os.path.realpath(path))


def _pip_cache_dir_says(python: Path, env: Dict[str, str], cwd: Path) -> Tuple[int, str]:
    done = subprocess.run(
        [str(python), "-m", "pip", "cache", "dir"],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout.strip() + done.stderr


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("pip", list(PIPS))
def test_location_names_the_setting(
    pip: str,
    case: str,
    isolated_env: Dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    venv = venv_or_fail(pip, PIPS[pip])
    home = Path(isolated_env["HOME"])
    python, prefix = venv / "bin" / "python", venv
    if case == "venv-site":
        prefix = _site_venv(tmp_path, venv)
        python = prefix / "bin" / "python"
    setup = Setup(python, prefix, dict(isolated_env), home, tmp_path)
    expected = CASES[case](setup, pip)
    monkeypatch.chdir(tmp_path)
    location = cache_location(python, env=setup.env)

    assert location.cache_dir == _real(expected.cache_dir)
    assert location.source == expected.source
    assert location.variable == expected.variable
    assert location.config_file == expected.config_file
    assert location.config_section == expected.section
    assert location.disabled is (expected.cache_dir is None)
    assert location.would_use == _real(expected.would_use)
    for word in expected.disabled_by:
        assert location.disabled_by is not None
        assert word in location.disabled_by
    assert location.answered_by == "pip"
    assert location.pip_version == pip

    cache = PipCache(python, env=setup.env)
    if expected.cache_dir is None:
        with pytest.raises(CacheDisabledError) as info:
            cache.dir()
        assert info.value.location == location  # it names the one setting, and the way round
        assert f"--cache-dir {location.would_use}" in _cli_words(info.value)
    elif pip in ("8.1.2", "9.0.3", "19.3.1"):  # (20.1+: dir() is `pip cache dir`, run below)
        assert cache.dir() == location.cache_dir
    if pip not in ("8.1.2", "9.0.3", "19.3.1"):  # pip's own `pip cache dir` (20.1+)
        code, said = _pip_cache_dir_says(python, setup.env, tmp_path)
        if expected.cache_dir is None:
            assert code != 0
            assert "disabled" in said
        else:
            assert (code, said) == (0, str(location.cache_dir))
    if pip == "26.3":  # this library's own rules agree with the newest pip
        rules = rules_location(setup.env, home=str(home), cwd=str(tmp_path), prefix=str(prefix))
        assert (rules.cache_dir, rules.would_use) == (location.cache_dir, location.would_use)
        assert (rules.source, rules.variable) == (location.source, location.variable)
        assert (rules.config_file, rules.config_section) == (
            location.config_file,
            location.config_section,
        )
        assert rules.disabled_by == location.disabled_by


def _cli_words(exc: Any) -> str:
    from pipcache_ext._cli.messages import cli_message

    return cli_message(exc)


@pytest.mark.parametrize("pip", ["20.1", "26.3"])
def test_install_section_is_a_note_for_pip_cache(
    pip: str, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    text = f"[global]\ncache-dir = {tmp_path / 'g'}\n[install]\ncache-dir = {tmp_path / 'i'}\n"
    conf = _conf(tmp_path / "pip.conf", text)
    venv = venv_or_fail(pip, PIPS[pip])
    location = cache_location(venv, env={**isolated_env, "PIP_CONFIG_FILE": str(conf)})
    assert location.cache_dir == tmp_path.resolve() / "g"
    (note,) = location.notes
    assert str(tmp_path / "i") in note
    assert "[install]" in note
