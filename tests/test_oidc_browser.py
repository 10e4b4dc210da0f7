"""End to end: single sign-on through a real OpenID Connect provider, in a real browser.

oidc-provider-mock (a real OIDC provider: discovery, authorization form, tokens, signed ID
tokens) runs on a free localhost port; Streamlit runs `app.py` with Streamlit's `[auth]`
secrets pointing at it (written to a temporary HOME's `~/.streamlit/secrets.toml`, Streamlit's
global secrets file) and a temporary SQLite store where therapist dr_lee is linked to the
subject `lee-sub`. In Debian's Chromium: the Patients page offers "Log in with localhost";
the provider's form takes the subject; back in the app dr_lee is logged in and sees the
assigned patient. A subject nobody linked is refused with the clinic message.

Skipped when Chromium, the playwright client or oidc-provider-mock is missing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import browser  # tests/browser.py (pytest puts tests/ on sys.path)
from coach import settings
from coach.store import accounts
from coach.store.database import open_database

pytest.importorskip("playwright.sync_api", reason="the playwright Python client is not installed")
oidc_provider_mock = pytest.importorskip("oidc_provider_mock", reason="pip install oidc-provider-mock (dev extra)")
if browser.chromium_path() is None:
    pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)", allow_module_level=True)

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def app_with_sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app's URL, with single sign-on through a local provider and dr_lee linked to `lee-sub`."""
    root = tmp_path_factory.mktemp("sso")
    url = f"sqlite:///{root / 'clinic.db'}"
    db = open_database(url)
    lee = accounts.add_therapist(db, "dr_lee", "a long password")
    ann = accounts.add_patient(db, "Ann Example")
    accounts.assign(db, lee.id, ann.id)
    accounts.link_oidc(db, therapist="dr_lee", sub="lee-sub")
    db.close()
    with oidc_provider_mock.run_server_in_thread(port=0) as provider:
        issuer = f"http://localhost:{provider.server_port}"
        port = browser.free_port()
        home = root / "home"
        (home / ".streamlit").mkdir(parents=True)
        (home / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "stretch-coach"\n'
            'client_secret = "test-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n', encoding="utf-8")
        env = {settings.DATABASE_URL_ENV: url, settings.DATA_DIR_ENV: str(root / "data"), "HOME": str(home),
               "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
        original = browser.free_port
        browser.free_port = lambda: port  # the server must listen where redirect_uri says
        try:
            with browser.streamlit_server(env=env, timeout=60, log_path=root / "streamlit.log") as app_url:
                browser.free_port = original
                yield app_url
        finally:
            browser.free_port = original


def sign_in(page: Any, app_url: str, subject: str) -> None:
    page.goto(f"{app_url}/clinic")
    page.get_by_role("button", name="Log in with localhost").click(timeout=TIMEOUT_MS)
    page.get_by_placeholder("sub").fill(subject, timeout=TIMEOUT_MS)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/"), timeout=TIMEOUT_MS)  # back in the app


def goto_once_redirects_settle(page: Any, url: str, attempts: int = 4) -> None:
    """Open `url`. After st.logout the browser may still be on its way through the provider's
    end-session page and back (seen on CI: the new page load was interrupted by it); then the
    page is opened again once that navigation has loaded."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(attempts):
        try:
            page.goto(url, timeout=TIMEOUT_MS)
            return
        except PlaywrightError as error:
            if "interrupted by another navigation" not in str(error) or attempt == attempts - 1:
                raise
            page.wait_for_load_state(timeout=TIMEOUT_MS)


def test_a_linked_therapist_logs_in_through_the_provider_and_an_unlinked_subject_is_refused(
        app_with_sso: str) -> None:
    with browser.chromium_context() as context:
        page = context.new_page()
        sign_in(page, app_with_sso, "lee-sub")
        page.goto(f"{app_with_sso}/clinic")  # the identity cookie logs this new session in
        page.get_by_text("Logged in as dr_lee").wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Ann Example").first.wait_for(timeout=TIMEOUT_MS)
        with page.expect_response(re.compile(r"/auth/logout"), timeout=TIMEOUT_MS):  # st.logout: drop the cookie
            page.get_by_role("button", name="Log out").click()
        goto_once_redirects_settle(page, f"{app_with_sso}/clinic")
        page.get_by_role("button", name="Log in with localhost").wait_for(timeout=TIMEOUT_MS)
        assert page.get_by_text("Logged in as").count() == 0

    with browser.chromium_context() as context:
        page = context.new_page()
        sign_in(page, app_with_sso, "stranger-sub")
        page.goto(f"{app_with_sso}/clinic")
        page.get_by_text("Your clinic account is not set up in Stretch Coach yet; ask your clinic") \
            .wait_for(timeout=TIMEOUT_MS)
        assert page.get_by_text("Ann Example").count() == 0
        assert page.get_by_text("Logged in as").count() == 0
