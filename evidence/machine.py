"""Where evidence was taken in: the machine's name, the operating-system user, the outgoing address, the clock.

These facts go into each signed record's ``source.host`` (capture and import), so a pack's declaration
states them from signed facts. Nothing here fails: a fact the system does not tell is ``None``.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess

__all__ = ["host_facts", "capture_method"]


def _outgoing_address(server_ip: str | None) -> str | None:
    """The local address the system routes to ``server_ip`` from (a UDP socket's connect sends nothing)."""
    if not server_ip:
        return None
    family = socket.AF_INET6 if ":" in server_ip else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect((server_ip, 9))
            return s.getsockname()[0]
    except OSError:
        return None


_SYNC: list = []  # [(monotonic time asked, answer)]: asked at most once a minute


def _clock_synchronized() -> bool | None:
    """Whether the system says its clock is synchronised (systemd's timedatectl), else None."""
    import time

    if _SYNC and time.monotonic() - _SYNC[0][0] < 60:
        return _SYNC[0][1]
    _SYNC[:] = [(time.monotonic(), _ask_clock())]
    return _SYNC[0][1]


def _ask_clock() -> bool | None:
    tool = shutil.which("timedatectl")
    if tool is None:
        return None
    try:
        out = subprocess.run([tool, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True,
                             timeout=2).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"yes": True, "no": False}.get(out)


def host_facts(server_ip: str | None = None) -> dict:
    """``{"name", "user", "address", "clock": {"source", "synchronized"}}`` of this machine, now."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = None
    return {"name": socket.gethostname() or None, "user": user, "address": _outgoing_address(server_ip),
            "clock": {"source": "system clock", "synchronized": _clock_synchronized()}}


def capture_method(meta: dict) -> dict:
    """How a page was captured, from its capture metadata: the options a reader needs to judge the capture."""
    cap, emu, br = meta.get("capture") or {}, meta.get("emulation") or {}, meta.get("browser") or {}
    vp = emu.get("viewport") or {}
    method = {"headless": br.get("headless"), "viewport": f"{vp.get('width')}x{vp.get('height')}" if vp else None,
            "device_scale": emu.get("device_scale_factor"), "locale": emu.get("locale"),
            "timezone": emu.get("timezone"), "user_agent": emu.get("user_agent_override") or br.get("user_agent"),
            "wait_until": cap.get("wait_until"), "wait_for": cap.get("wait_for"),
            "timeout_seconds": cap.get("timeout_seconds"), "scrolled": cap.get("scrolled"),
            "ignore_https_errors": cap.get("ignore_https_errors")}
    # signed JSON holds no floats: a whole number as an integer, else as text
    return {k: (int(v) if v == int(v) else str(v)) if isinstance(v, float) else v for k, v in method.items()}
