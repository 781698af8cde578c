"""The workbench in a real browser: JupyterLab started here on 127.0.0.1, driven by Playwright
with Debian's Chromium. Fails (not skips) when either cannot start, unless
SYNTHKIT_SKIP_BROWSER_TESTS=1 opts out explicitly. It takes a screenshot of the workbench, which
`make screenshot` (SYNTHKIT_UPDATE_SCREENSHOT=1) copies to docs/workbench.png for the README."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / "docs" / "workbench.png"


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def lab(tmp_path):
    if os.environ.get("SYNTHKIT_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SYNTHKIT_SKIP_BROWSER_TESTS=1")
    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (make test installs it)"
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "workbench.ipynb", notebooks)
    port, token = free_port(), uuid.uuid4().hex
    env = {
        **os.environ,
        "SYNTHKIT_WORKSPACE": str(tmp_path / "ws"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={notebooks}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"{base}/api/status?token={token}")
            break
        except OSError:
            assert server.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.3)
    yield {"base": base, "token": token, "workspace": tmp_path / "ws"}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def _wait_for_idle_kernel(lab, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = _get(f"{lab['base']}/api/sessions?token={lab['token']}")
        if sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions):
            return
        time.sleep(0.5)
    raise AssertionError("the notebook's kernel never became idle")


def _set(page, css_class: str, value: str) -> None:
    field = page.locator(f".{css_class} input")
    field.fill(value)
    field.press("Enter")


def test_workbench_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(f"{lab['base']}/lab/tree/workbench.ipynb?token={lab['token']}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        _wait_for_idle_kernel(lab)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".sk-machine select", timeout=90_000)

        page.select_option(".sk-machine select", label="pump_001 (centrifugal_pump)")
        _set(page, "sk-samples", "400")
        page.click("button.sk-seed")
        page.wait_for_function(
            "() => document.querySelector('.sk-seed-status')?.innerText.includes('400 rows')", timeout=90_000
        )

        page.click(".lm-TabBar-tab:has-text('2 Train')")
        _set(page, "sk-epochs", "3")
        _set(page, "sk-batch-size", "100")
        page.click("button.sk-train")
        page.wait_for_function(
            "() => { const gd = document.querySelector('.js-plotly-plot.sk-lossfig');"
            " return gd && gd.data && gd.data[0].x && gd.data[0].x.length === 3; }",
            timeout=120_000,
        )
        page.wait_for_function(
            "() => document.querySelector('.sk-result')?.innerText.includes('model path')", timeout=60_000
        )
        shot = lab["workspace"].parent / "workbench.png"
        page.locator(".sk-workbench").screenshot(path=str(shot))

        page.click(".lm-TabBar-tab:has-text('3 Generate')")
        _set(page, "sk-n-train", "300")
        _set(page, "sk-n-val", "50")
        _set(page, "sk-n-test", "50")
        page.click("button.sk-generate")
        page.wait_for_function(
            "() => document.querySelectorAll('.sk-results tbody tr').length === 3", timeout=120_000
        )
        cells = page.locator(".sk-results tbody tr td:nth-child(3)").all_inner_texts()
        browser.close()
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    if os.environ.get("SYNTHKIT_UPDATE_SCREENSHOT") == "1":  # `make screenshot` refreshes the README's
        shutil.copy(shot, SCREENSHOT)
    assert len(cells) == 3
    for path in cells:
        assert Path(path.strip()).is_file(), path
        assert str(lab["workspace"]) in path
