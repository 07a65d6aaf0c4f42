"""The app in a real browser (Playwright + headless Debian Chromium): mouse strokes make a face, a slider edits it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_helpers import free_port, save_tiny_model
from tests.browser_helpers import (
    CHROMIUM,
    draw_face,
    face_src,
    launch_chromium,
    move_slider,
    status_text,
    wait_for_stable_face,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian Chromium at /usr/bin/chromium (apt-get install -y chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import app
    from s2fgan_hf.interactive import load_app_model

    model, _ = load_app_model(save_tiny_model(tmp_path_factory.mktemp("tiny")))
    demo = app.build_demo(model)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        yield url
    finally:
        demo.close()


def test_drawing_makes_a_face_and_a_slider_changes_it(app_url: str) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(app_url, wait_until="domcontentloaded")
            canvas = page.locator("#sketchpad canvas").first
            canvas.wait_for(state="visible", timeout=30_000)
            page.wait_for_timeout(1000)  # let the guide background load
            assert face_src(page) is None
            draw_face(page, canvas)
            first = wait_for_stable_face(page)
            assert status_text(page).startswith("Done"), status_text(page)
            move_slider(page, 0)
            page.wait_for_function(
                "(src) => { const i = document.querySelector('#face img'); return i && i.src !== src; }",
                arg=first,
                timeout=30_000,
            )
            assert "cached" in status_text(page)  # the slider re-ran only edit + decode
        finally:
            browser.close()
