"""The workbench in a real browser: JupyterLab started here on 127.0.0.1, driven by Playwright
with Debian's Chromium. Fails (not skips) when either cannot start, unless
SYNTHKIT_SKIP_BROWSER_TESTS=1 opts out explicitly. It keeps screenshots of the workbench in its
folder (the README's pictures come from `make screenshot`, tools/screenshots.py)."""

import contextlib
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

from tests.conftest import ROOT, free_port, snapshot

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
    # a reloaded page joins the notebook's running kernel (its session) instead of asking which
    notebook_settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text('{"autoStartDefaultKernel": true}')
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


def _start_training(page, epochs: int, batch_size: int = 100) -> None:
    """On the Train tab: type epochs and batch size, click Train."""
    page.click(".lm-TabBar-tab:has-text('2 Train')")
    _set(page, "sk-epochs", str(epochs))
    _set(page, "sk-batch-size", str(batch_size))
    page.click("button.sk-train")


def _wait_for_loss_points(page, test: str, timeout: int = 120_000) -> None:
    """Wait until the loss chart's point count passes ``test`` (JavaScript on ``n``, e.g. "n === 3")."""
    page.wait_for_function(
        "() => { const gd = document.querySelector('.sk-lossfig .js-plotly-plot');"
        f" const n = gd && gd.data && gd.data[0].x ? gd.data[0].x.length : 0; return {test}; }}",
        timeout=timeout,
    )


def _start_generating(page, train: int, val: int, test: int) -> None:
    """On the Generate tab: type the split sizes, click Generate."""
    page.click(".lm-TabBar-tab:has-text('3 Generate')")
    _set(page, "sk-n-train", str(train))
    _set(page, "sk-n-val", str(val))
    _set(page, "sk-n-test", str(test))
    page.click("button.sk-generate")


@contextlib.contextmanager
def _shot_on_failure(page, folder: Path):
    """When a step fails, keep a screenshot of the whole page (``failure.png`` in the test's
    folder) and print what the page logged and the server's last lines (kernels started and shut
    down), which pytest shows with the failure: a failure under CI's load can be read afterwards."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(folder / "failure.png"), full_page=True)
        print("--- the page's console:", *page.console_lines[-60:], sep="\n")
        with contextlib.suppress(OSError):
            print("--- lab.log:", *(folder / "lab.log").read_text().splitlines()[-40:], sep="\n")
        raise


def _browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(f"{message.type}: {message.text}"[:300]))
    return browser, page


CODE_CELLS = 2  # in notebooks/workbench.ipynb


def _run_workbench(page, lab, run: int = 1) -> None:
    """Run all cells of the open workbench notebook (the ``run``-th time) and wait for the
    workbench they make, not one restored from before a refresh."""
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    _wait_for_idle_kernel(lab)
    page.wait_for_timeout(500)
    assert not page.locator(".jp-Dialog").count(), page.locator(".jp-Dialog").inner_text()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # no wait
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-InputPrompt')]"
        f".some(p => p.innerText.includes('[{run * CODE_CELLS}]'))",
        timeout=90_000,
    )
    page.wait_for_selector(".sk-machine select", timeout=90_000)


def _seed(page, samples: int = 400) -> None:
    page.select_option(".sk-machine select", label="pump_001 (centrifugal_pump)")
    _set(page, "sk-samples", str(samples))
    page.click("button.sk-seed")
    page.wait_for_function(
        f"() => document.querySelector('.sk-seed-status')?.innerText.includes('{samples:,} rows')",
        timeout=90_000,
    )


def _plot(selector: str) -> str:
    """JavaScript reading a plotly figure on the page: traces, their types, the x axis type."""
    return (
        f"(() => {{ const gd = document.querySelector('.{selector} .js-plotly-plot');"
        " if (!gd || !gd.data) return null;"
        " return {traces: gd.data.length, types: gd.data.map(t => t.type),"
        " axis: gd._fullLayout && gd._fullLayout.xaxis ? gd._fullLayout.xaxis.type : null}; })()"
    )


def test_workbench_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        with _shot_on_failure(page, lab["workspace"].parent):
            page.goto(f"{lab['base']}/lab/tree/workbench.ipynb?token={lab['token']}")
            _run_workbench(page, lab)
            _seed(page)

            _start_training(page, 3)
            _wait_for_loss_points(page, "n === 3")
            page.wait_for_function(
                "() => document.querySelector('.sk-result')?.innerText.includes('model file')", timeout=60_000
            )
            shot = lab["workspace"].parent / "workbench.png"
            page.locator(".sk-workbench").screenshot(path=str(shot))

            # a typed -5 stays -5, is named by its label, and Train stays disabled: the model is kept
            machine_folder = lab["workspace"] / "machines" / "pump_001"
            before = snapshot(machine_folder)
            _set(page, "sk-epochs", "-5")
            page.wait_for_function("() => document.querySelector('button.sk-train').disabled", timeout=30_000)
            problem = page.locator(".sk-train-problems").inner_text()
            epochs_shown = page.locator(".sk-epochs input").input_value()
            page.locator("button.sk-train").dispatch_event("click")
            page.wait_for_timeout(1500)
            train_disabled = page.locator("button.sk-train").is_disabled()
            after = snapshot(machine_folder)

            _start_generating(page, 300, 50, 50)
            page.wait_for_function(
                "() => document.querySelectorAll('.sk-results tbody tr').length === 3", timeout=120_000
            )
            cells = page.locator(".sk-results tbody tr td:nth-child(3)").all_inner_texts()
            page.wait_for_function(
                "() => document.querySelector('.sk-gen-stage')?.innerText === 'completed'", timeout=120_000
            )
            page.locator(".sk-generate-panel").screenshot(path=str(lab["workspace"].parent / "verdicts.png"))
            verdicts = page.locator(".sk-quality").inner_text()
            label_bars = page.evaluate(_plot("sk-labelfig"))

            # the distribution plot rebuilds its axes for each kind of column
            seen = []
            for column, axis, kind in (
                ("flow_rate_m3h", "linear", "histogram"),
                ("failure_mode", "category", "bar"),
                ("vibration_mm_s", "linear", "histogram"),
            ):
                page.select_option(".sk-column select", column)
                page.wait_for_function(
                    f"() => {{ const p = {_plot('sk-distfig')}; return p && p.axis === '{axis}'"
                    f" && p.traces === 2 && p.types.every(t => t === '{kind}'); }}",
                    timeout=30_000,
                )
                seen.append(page.evaluate(_plot("sk-distfig")))

            # another machine: no results of pump_001 left on any tab
            page.click(".lm-TabBar-tab:has-text('1 Machine')")
            page.select_option(".sk-machine select", label="motor_001 (electric_motor)")
            page.click(".lm-TabBar-tab:has-text('3 Generate')")
            page.wait_for_function(
                "() => document.querySelector('.sk-generate-machine')?.innerText.includes('motor_001')",
                timeout=30_000,
            )
            stale_runs = page.locator(".sk-results tbody tr").count()
            stale_plot = page.evaluate(_plot("sk-distfig"))
            page.click(".lm-TabBar-tab:has-text('2 Train')")
            stale_result = page.locator(".sk-result").inner_text()
            stale_loss = page.evaluate(
                "() => document.querySelector('.sk-lossfig .js-plotly-plot').data[0].x.length"
            )
        browser.close()
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    assert len(cells) == 3
    for path in cells:
        assert Path(path.strip()).is_file(), path
        assert str(lab["workspace"]) in path
    assert epochs_shown == "-5" and train_disabled
    assert "Epochs must be a whole number from 1 to 100,000" in problem
    assert after == before  # the model (and everything else of the machine) is as it was
    assert "Overall quality" in verdicts and "Failure rate, synthetic vs real" in verdicts
    assert label_bars["traces"] == 2 and label_bars["types"] == ["bar", "bar"]
    assert [p["axis"] for p in seen] == ["linear", "category", "linear"]
    assert stale_runs == 0 and stale_plot["traces"] == 0
    assert stale_result.strip() == "" and stale_loss == 0


def test_a_refresh_during_training_then_stop_from_the_reattached_panel(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        with _shot_on_failure(page, lab["workspace"].parent):
            page.goto(f"{lab['base']}/lab/tree/workbench.ipynb?token={lab['token']}")
            _run_workbench(page, lab)
            _seed(page, 2000)
            _start_training(page, 1000)
            _wait_for_loss_points(page, "n >= 5")
            page.locator(".sk-train-panel").screenshot(path=str(lab["workspace"].parent / "training.png"))
            label_before = page.locator(".sk-progress-label").inner_text()

            page.reload()  # the page goes; the kernel and the training go on
            _run_workbench(page, lab, run=2)  # the workbench made again finds the training
            page.select_option(".sk-machine select", label="pump_001 (centrifugal_pump)")
            page.click(".lm-TabBar-tab:has-text('2 Train')")
            page.wait_for_function("() => !document.querySelector('button.sk-stop').disabled", timeout=60_000)
            page.wait_for_function(
                "() => { const gd = document.querySelector('.sk-lossfig .js-plotly-plot');"
                " return gd && gd.data && gd.data[0].x && gd.data[0].x.length >= 5; }",
                timeout=60_000,
            )
            train_disabled = page.locator("button.sk-train").is_disabled()
            page.click("button.sk-stop")
            page.wait_for_function(
                "() => document.querySelector('.sk-status')?.innerText.includes('stopped after epoch')",
                timeout=60_000,
            )
            status = page.locator(".sk-status").inner_text()
        browser.close()
    tasks = sorted((lab["workspace"] / "tasks").glob("train-*.json"))
    assert len(tasks) == 1
    assert json.loads(tasks[0].read_text())["status"] == "CANCELLED"
    assert train_disabled and "No model was saved" in status
    assert "ETA" in label_before
