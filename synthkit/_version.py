"""Versions: synthkit's own, and the installed versions of the SDV stack it depends on.

Here, at the bottom of the layers, so that any module can stamp a file with them without
importing the package ``__init__`` (which imports the whole public API).
"""

from __future__ import annotations

__version__ = "0.1.0"

SDV_STACK = ("sdv", "ctgan", "rdt")  # whose internals synthkit._sdv uses and whose classes models pickle


def installed_versions() -> dict[str, str]:
    """The installed versions of ``SDV_STACK``, read from the package metadata (nothing imported).

    Tests replace this function to simulate other versions without installing anything.
    """
    from importlib.metadata import version

    return {name: version(name) for name in SDV_STACK}


def versions_text(versions: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
