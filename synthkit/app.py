"""The workbench as a standalone page: Voila serves ``notebooks/workbench.ipynb`` with its code hidden.

For a demo or a classroom. On 127.0.0.1 anyone with the printed URL (token included) may use it;
serving on any other address opens a Python kernel to the network, so a token is then required
(one is made when none is given) and the page refuses requests without it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from synthkit.errors import InvalidParameterError

WORKBENCH = Path(__file__).resolve().parents[1] / "notebooks" / "workbench.ipynb"


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def app_command(
    ip: str = "127.0.0.1",
    port: int = 8866,
    token: str | None = None,
    notebook: str | os.PathLike = WORKBENCH,
) -> tuple[list[str], str]:
    """The Voila command line and the URL to open, token included.

    A token is always set (made when not given): on the loopback it keeps other local users out,
    elsewhere it is what stands between the network and a Python kernel.
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidParameterError(
            f"The 'port' must be an int in the range [1, 65535]. Got {port!r} instead."
        )
    if token is not None and (not isinstance(token, str) or len(token) < 8):
        raise InvalidParameterError("The 'token' must be a string of at least 8 characters.")
    notebook = Path(notebook)
    if not notebook.is_file():
        raise InvalidParameterError(f"Notebook {str(notebook)!r} does not exist.")
    token = token or secrets.token_urlsafe(24)
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        f"--token={token}",
    ]
    shown = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
    return command, f"http://{shown}:{port}/?token={token}"


def serve(
    ip: str = "127.0.0.1", port: int = 8866, token: str | None = None, workspace: str | None = None
) -> int:
    """Run Voila in the foreground until Ctrl-C; prints the URL (with its token) first."""
    command, url = app_command(ip, port, token)
    if not is_loopback(ip):
        print(f"serving on {ip}: only browsers with the token can use the kernel", file=sys.stderr)
    print(f"workbench app: {url}", flush=True)
    env = {**os.environ, **({"SYNTHKIT_WORKSPACE": str(Path(workspace).absolute())} if workspace else {})}
    voila = subprocess.Popen(command, env=env)
    # Stopped by a process manager (SIGTERM), the app stops Voila and its kernels with it;
    # subprocess.call would leave them running, serving the workspace, with no parent.
    previous = signal.signal(signal.SIGTERM, lambda *_: voila.terminate())
    try:
        return voila.wait()
    except KeyboardInterrupt:  # Voila has the terminal's Ctrl-C too
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(voila)


def _stop(process: subprocess.Popen, grace_s: float = 20.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
