"""The app as started with the repo's own config: only this computer can reach it, and a
visitor never sees a traceback.

The server runs with no `--server.address` on its command line, so what is checked is
`.streamlit/config.toml`'s default: every listening socket of the server's processes (read
from `/proc/<pid>/net/tcp` and `tcp6`, matched to the processes by socket inode) is on
127.0.0.1 or ::1, and Streamlit prints one local URL, no "Network URL". The error test needs
Debian's Chromium (skipped without it).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from pathlib import Path

import pytest

import browser  # tests/browser.py (pytest puts tests/ on sys.path)

LISTEN = "0A"  # TCP state code of a listening socket in /proc/net/tcp


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as /proc/net/tcp(6) writes it: 32-bit words, each in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    return ipaddress.ip_address(b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)))


def _socket_inodes(process_group: int) -> set[str]:
    """Inodes of every socket held by the processes of a process group."""
    inodes: set[str] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != process_group:  # field 5: pgrp
                continue
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:["):-1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
    return inodes


def listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket the process group of `pid` listens on."""
    inodes = _socket_inodes(os.getpgid(pid))
    found = []
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and inode in inodes:
                hex_address, hex_port = local.split(":")
                found.append((str(_address(hex_address)), int(hex_port, 16)))
    return found


def test_proc_address_decoding() -> None:
    """The parser reads a socket of our own correctly (so the real test below means something)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert ("127.0.0.1", port) in listening(os.getpid())


def test_server_listens_on_this_computer_only(tmp_path: Path) -> None:
    log = tmp_path / "streamlit.log"
    with browser.streamlit_process({"STRETCH_COACH_DATA_DIR": str(tmp_path / "data")}, log_path=log,
                                   address=None) as (url, process):
        port = int(url.rsplit(":", 1)[1])
        sockets = browser.wait_until(lambda: listening(process.pid), 10, what="the server's listening sockets")
        assert port in {p for _, p in sockets}, sockets
        exposed = [(a, p) for a, p in sockets if not ipaddress.ip_address(a).is_loopback]
        assert not exposed, f"listening beyond this computer: {exposed}"
        printed = browser.wait_until(lambda: "URL:" in log.read_text() and log.read_text(), 10,
                                     what="Streamlit to print its URL")
    assert f"URL: http://127.0.0.1:{port}" in printed, printed
    assert "Network URL" not in printed and "External URL" not in printed, printed


BOOM = '''
import streamlit as st
st.title("Boom")
raise RuntimeError("secret detail from {where}")
'''


@pytest.mark.skipif(browser.chromium_path() is None, reason="chromium is not installed")
def test_visitors_see_no_traceback(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="the playwright Python client is not installed")
    script = tmp_path / "boom_app.py"
    script.write_text(BOOM.format(where=script))
    log = tmp_path / "streamlit.log"
    with browser.streamlit_server(log_path=log, address=None, script=script) as url, \
            browser.chromium_context() as context:
        page = context.new_page()
        page.goto(url)
        error = page.locator("[data-testid='stException']")
        error.wait_for(timeout=20000)
        shown = error.inner_text()
        page_text = page.locator("[data-testid='stMain']").inner_text()
    for secret in ("secret detail", str(tmp_path), "Traceback", "RuntimeError", "boom_app.py"):
        assert secret not in shown and secret not in page_text, shown
    assert re.search(r"error", shown, re.I), shown  # the visitor is told something went wrong
    console = log.read_text()
    assert "secret detail" in console and "Traceback" in console  # the developer still sees it all
