"""Where things live: the store, and the investigator's own keys and settings.

* The store: ``--store``, then ``EVIDENCE_STORE``, then ``<user data dir>/evidence/store``.
* The investigator's configuration folder (keys, default key): ``EVIDENCE_CONFIG_DIR``,
  then ``<user config dir>/evidence`` (``~/.config/evidence`` on Linux). It is personal:
  private keys never go into a store that others share.
* The signing key: ``--key-file``, then ``EVIDENCE_KEY``, then the default key recorded
  in ``<config dir>/config.json`` by ``evidence key create``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

__all__ = [
    "SECRET_ENV",
    "child_env",
    "config_dir",
    "state_dir",
    "default_store_path",
    "resolve_store_path",
    "resolve_key_file",
    "read_user_config",
    "write_user_config",
]

APP = "evidence"


def config_dir() -> Path:
    env = os.environ.get("EVIDENCE_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP))


def state_dir() -> Path:
    """Where the tool keeps what outlives a store's own files (the checkpoint witnesses)."""
    env = os.environ.get("EVIDENCE_STATE_DIR")
    return Path(env) if env else Path(platformdirs.user_state_dir(APP))


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP)) / "store"


def resolve_store_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("EVIDENCE_STORE")
    if env:
        return Path(env)
    return default_store_path()


def read_user_config() -> dict:
    path = config_dir() / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def write_user_config(cfg: dict) -> None:
    d = config_dir()
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = d / "config.json.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)  # the same mode whatever the umask
        fh.write(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, d / "config.json")


SECRET_ENV = ("EVIDENCE_PASSPHRASE",)


def child_env(base: dict | None = None) -> dict[str, str]:
    """The environment for a child process (browser, driver, openssl): this one's without the passphrase."""
    env = dict(os.environ if base is None else base)
    for name in SECRET_ENV:
        env.pop(name, None)
    return env


def resolve_key_file(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("EVIDENCE_KEY")
    if env:
        return Path(env)
    default = read_user_config().get("default_key")
    return Path(default) if default else None
