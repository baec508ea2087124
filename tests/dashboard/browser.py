"""A headless Chromium (Debian's chromium + chromedriver, driven by selenium) pointed at one Horizon, with the
few moves the dashboard tests make: log in, open a page, fill a form, wait for a row, screenshot a step."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 30.0  # one page or one API round trip of Horizon's on 2 busy cores; a hang fails, never passes


class Browser:
    """One browser session (its own throw-away profile: no cookies shared between users)."""

    def __init__(self, base_url: str, shots: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        for binary in (CHROMIUM, CHROMEDRIVER):
            if not Path(binary).exists():
                raise RuntimeError(f"{binary} is missing: scripts/setup.sh installs chromium and chromium-driver")
        self.base = base_url.rstrip("/")
        self.shots = shots
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        options = Options()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", f"--user-data-dir={self.profile}", "--no-first-run"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.started = time.monotonic()

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    # ------------------------------------------------------------------ moves
    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.until(lambda: next((e for e in self.driver.find_elements(By.CSS_SELECTOR, css)
                                        if e.is_displayed()), None), f"a visible {css!r}")

    def all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return [e for e in self.driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]

    def find_xpath(self, xpath: str) -> Any:
        """The first visible element `xpath` names (waits for it)."""
        from selenium.webdriver.common.by import By

        return self.until(lambda: next((e for e in self.driver.find_elements(By.XPATH, xpath)
                                        if e.is_displayed()), None), f"a visible {xpath!r}")

    def click_xpath(self, xpath: str) -> None:
        """Click the first visible element `xpath` names (for a row or a button found by its text)."""
        element = self.find_xpath(xpath)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def fill(self, css: str, text: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(text)

    def choose(self, css: str, label: str) -> None:
        """Pick the option of a <select> whose text contains `label` (waits: Horizon fills some by AJAX). Horizon
        hides the real <select> behind its themed drop-down, so the choice is made as its script would."""
        script = """
            const select = document.querySelector(arguments[0]);
            const option = select && [...select.options].find(o => o.text.includes(arguments[1]));
            if (!option) return false;
            select.value = option.value;
            if (window.jQuery) { jQuery(select).trigger('change'); }
            else { select.dispatchEvent(new Event('change', {bubbles: true})); }
            return true;"""
        self.until(lambda: self.driver.execute_script(script, css, label), f"an option {label!r} in {css!r}")

    def click(self, css: str) -> None:
        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def text(self) -> str:
        return str(self.driver.find_element("tag name", "body").text)

    def wait_text(self, text: str, path: str | None = None, reload_every: float = 1.5) -> None:
        """Wait until the page shows `text`, reloading `path` now and then (tables refresh by polling)."""
        last = time.monotonic()

        def shown() -> bool:
            nonlocal last
            if text in self.text():
                return True
            if path is not None and time.monotonic() - last > reload_every:
                self.open(path)
                last = time.monotonic()
            return False

        self.until(shown, f"{text!r} on {path or self.driver.current_url}")

    def until(self, check: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = check()
            except Exception:  # noqa: BLE001 - a stale or not-yet-rendered element: look again
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                shot = self.shot("timeout")
                raise AssertionError(f"timed out waiting for {what} (screenshot: {shot})")
            time.sleep(0.2)

    def shot(self, name: str) -> Path:
        """Screenshot the page into the artifacts folder (the course page's pictures come from these)."""
        print(f"{time.monotonic() - self.started:6.1f} s  {name}")
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    # ------------------------------------------------------------------ Horizon
    def login(self, user: str, password: str, then: str = "") -> None:
        """Log in on Horizon's form; `then` is the page to land on (Horizon's `next`), else the overview."""
        self.open(f"/auth/login/?next={then}" if then else "/auth/login/")
        self.fill("#id_username", user)
        self.fill("#id_password", password)
        self.click("#loginBtn")
        self.until(lambda: "/auth/login" not in self.driver.current_url, f"{user}'s login")
        assert "Invalid credentials" not in self.text()

    def logout(self) -> None:
        self.open("/auth/logout/")
        self.find("#id_username")

    def submit_form(self) -> None:
        """Submit the (full-page) Django form or workflow on screen with its primary button."""
        self.click("form .btn-primary[type=submit], form input.btn-primary[type=submit]")

    def messages(self) -> list[str]:
        """Error alerts on the page: Horizon's way of saying an API call failed."""
        return [e.text for e in self.all(".alert-danger, .toast-danger") if e.text.strip()]
