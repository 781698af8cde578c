"""The README's pictures, from a real run (``make screenshot``).

Serves the workbench with Voila on 127.0.0.1, drives it in Debian's Chromium like a user (seed data
for pump_001, a 120-epoch training with the quality scored on held-out rows every 5 epochs, one set
of splits), and keeps three screenshots: the Train tab half-way through the training
(``docs/training-live.png``) and when it has ended (``docs/workbench.png``), and the Generate
tab's verdicts (``docs/verdicts.png``). Then it runs the
tutorial with papermill and keeps its label-rate figure (``docs/tutorial-label-rates.png``).

The workspace is a named folder (``--workspace``, default ``workspace`` in the repository), so the
paths on screen are the ones a user would see.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.test_browser import _browser, _seed, _set, _start_generating  # noqa: E402

DOCS = ROOT / "docs"
EPOCHS = 120
LABEL_RATE_TITLE = "Failure rates"  # the tutorial figure kept for the README


def _serve(workspace: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start ``synthkit app`` and wait until its page answers; returns the server and the URL."""
    port, token = free_port(), uuid.uuid4().hex
    command = [sys.executable, "-m", "synthkit", "--workspace", str(workspace), "app"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--token", token],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/?token={token}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"Voila did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.5)


def workbench_shots(workspace: Path, folder: Path) -> None:
    """Train and generate in the served workbench; screenshot the Train and Generate tabs."""
    from playwright.sync_api import sync_playwright

    server, url = _serve(workspace, folder / "app.log")
    try:
        with sync_playwright() as playwright:
            browser, page = _browser(playwright)
            page.set_viewport_size({"width": 1000, "height": 1100})
            page.goto(url)
            page.wait_for_selector(".sk-machine select", timeout=120_000)
            _seed(page, samples=2000)
            page.click(".lm-TabBar-tab:has-text('2 Train')")
            _set(page, "sk-epochs", str(EPOCHS))
            _set(page, "sk-batch-size", "200")
            _set(page, "sk-train-seed", "7")
            page.check(".sk-early-stopping input")
            page.click(".sk-advanced :text('advanced')")
            _set(page, "sk-eval-every", "5")
            _set(page, "sk-patience", "50")
            page.click(".sk-advanced :text('advanced')")  # folded again for the picture
            page.click("button.sk-train")
            if page.locator("button:has-text('Train and replace')").count():
                page.click("button:has-text('Train and replace')")
            page.wait_for_function(  # mid-run: the progress bar, the ETA, the chart growing
                "() => document.querySelector('.sk-lossfig .js-plotly-plot')?.data?.[0]?.x?.length"
                f" >= {EPOCHS // 2}",
                timeout=900_000,
            )
            page.locator(".sk-workbench").screenshot(path=str(DOCS / "training-live.png"))
            page.wait_for_function(
                "() => document.querySelector('.sk-result')?.innerText.includes('model file')",
                timeout=900_000,
            )
            page.wait_for_timeout(1500)  # the chart's last redraw
            page.locator(".sk-workbench").screenshot(path=str(DOCS / "workbench.png"))

            _start_generating(page, 2000, 500, 500)
            page.wait_for_function(
                "() => document.querySelector('.sk-gen-stage')?.innerText === 'completed'", timeout=600_000
            )
            page.set_viewport_size({"width": 1000, "height": 2800})  # the whole tab painted at once
            page.wait_for_function(
                "() => document.querySelector('.sk-labelfig .js-plotly-plot')?.data?.length >= 2",
                timeout=120_000,
            )
            page.wait_for_timeout(1500)
            page.locator(".sk-workbench").screenshot(path=str(DOCS / "verdicts.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def tutorial_shot(folder: Path) -> None:
    """Run the tutorial and keep the PNG its label-rate figure carries (``show_everywhere``)."""
    import papermill

    executed = folder / "tutorial.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "tutorial.ipynb"),
        str(executed),
        parameters={"workspace": str(folder / "tutorial-workspace")},
        cwd=str(folder),
        progress_bar=False,
    )
    for cell in json.loads(executed.read_text())["cells"]:
        for output in cell.get("outputs", []):
            figure = output.get("data", {}).get("application/vnd.plotly.v1+json", {})
            title = figure.get("layout", {}).get("title", {}).get("text", "")
            if title.startswith(LABEL_RATE_TITLE) and "image/png" in output["data"]:
                (DOCS / "tutorial-label-rates.png").write_bytes(base64.b64decode(output["data"]["image/png"]))
                return
    raise SystemExit(f"the executed tutorial has no figure titled {LABEL_RATE_TITLE!r} with a PNG")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "workspace")
    parser.add_argument("--skip-tutorial", action="store_true", help="only the workbench screenshots")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="synthkit-screenshots-"))
    try:
        workbench_shots(args.workspace.resolve(), folder)
        if not args.skip_tutorial:
            tutorial_shot(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"written": sorted(p.name for p in DOCS.glob("*.png"))}))


if __name__ == "__main__":
    main()
