"""Shared helpers for benchmarks: run a child process while sampling its whole tree's memory."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def run_measured(args: list[str], interval: float = 0.05) -> dict:
    """Run ``python args...``; return its last stdout JSON line plus peak RSS of the process tree.

    The peak is the largest sum of RSS over the process and all its children at one moment, so
    worker processes a library starts count as much as the main process.
    """
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    parent = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            total = 0
            for proc in tree:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(interval)
    out = process.stdout.read()
    if process.returncode != 0:
        raise RuntimeError(f"child {args} failed with exit code {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mib"] = round(peak / 2**20, 1)
    result["wall_s"] = round(time.perf_counter() - started, 2)
    return result


def median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def alternated(index: int, kinds: tuple[str, str] = ("sdv", "synthkit")) -> tuple[str, str]:
    """The two kinds in turns: first one first on even rounds, the other on odd ones, so neither
    always runs on a warmer (or more loaded) machine."""
    return kinds if index % 2 == 0 else kinds[::-1]
