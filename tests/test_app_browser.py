"""The workbench as a standalone Voila page (`synthkit app`), in a real browser: code hidden, a token
required, seed data made, a model trained with the chart growing, splits generated. Fails (not
skips) when the browser or Voila cannot start, unless SYNTHKIT_SKIP_BROWSER_TESTS=1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from synthkit.app import app_command, is_loopback
from tests.conftest import ROOT, free_port
from tests.test_browser import (
    CHROMIUM,
    _browser,
    _seed,
    _shot_on_failure,
    _start_generating,
    _start_training,
    _wait_for_loss_points,
)

pytestmark = pytest.mark.browser


def _status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def app(tmp_path):
    if os.environ.get("SYNTHKIT_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SYNTHKIT_SKIP_BROWSER_TESTS=1")
    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (make test installs it)"
    port, token = free_port(), uuid.uuid4().hex
    log = open(tmp_path / "app.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synthkit",
            "--workspace",
            str(tmp_path / "ws"),
            "app",
            "--port",
            str(port),
            "--token",
            token,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while _status_or_none(f"{base}/?token={token}") != 200:
        assert server.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "Voila did not start"
        time.sleep(0.5)
    yield {"base": base, "token": token, "workspace": tmp_path / "ws", "log": tmp_path / "app.log"}
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    assert _status_or_none(f"{base}/?token={token}") is None, "Voila outlived the stopped app"


def _status_or_none(url: str) -> int | None:
    try:
        return _status(url)
    except OSError:
        return None


def test_a_token_is_always_required_and_printed_with_the_url(app):
    assert _status(f"{app['base']}/") in (302, 401, 403)  # no kernel without the token
    assert f"?token={app['token']}" in app["log"].read_text()
    command, url = app_command("0.0.0.0", 8866)
    token = url.split("token=")[1]
    assert len(token) >= 16 and f"--token={token}" in command and "--Voila.ip=0.0.0.0" in command
    assert is_loopback("127.0.0.1") and not is_loopback("0.0.0.0")


def test_the_app_page_seeds_trains_with_the_chart_growing_and_generates(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        with _shot_on_failure(page, app["workspace"].parent):
            page.goto(f"{app['base']}/?token={app['token']}")
            page.wait_for_selector(".sk-machine select", timeout=120_000)
            page_text = page.inner_text("body")
            _seed(page)
            _start_training(page, 4)
            _wait_for_loss_points(page, "n >= 1")  # the chart grows while training runs
            _wait_for_loss_points(page, "n === 4")
            _start_generating(page, 300, 50, 50)
            page.wait_for_function(
                "() => document.querySelectorAll('.sk-results tbody tr').length === 3", timeout=120_000
            )
            page.screenshot(path=str(app["workspace"].parent / "app.png"), full_page=True)
        browser.close()
    assert "Workbench(workspace" not in page_text and "import" not in page_text  # no code shown
    runs = list((app["workspace"] / "machines" / "pump_001" / "runs").iterdir())
    assert len([r for r in runs if not r.name.startswith(".")]) == 1
