"""The app in a real browser (Playwright + headless Debian Chromium): mouse strokes make a face, a slider edits it,
and a quick burst of strokes always reaches the model in full."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from scripts.app_driver import (
    CHROMIUM,
    CHROMIUM_LLVMPIPE_ARGS,
    IdleWatch,
    app_page,
    draw_strokes,
    face_src,
    free_port,
    image_pixels,
    launch_chromium,
    move_slider,
    nudge_slider,
    status_text,
)
from tests.app_helpers import save_tiny_model

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian Chromium at /usr/bin/chromium (apt-get install -y chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


@contextmanager
def serve(models) -> Iterator[str]:
    """The URL of the app on ``models`` (one model or ``{editor: model}``), closed afterwards."""
    import app

    demo = app.build_demo(models)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from s2fgan_hf.app.editor import load_app_model

    model, _ = load_app_model(save_tiny_model(tmp_path_factory.mktemp("tiny")))
    with serve(model) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module's tests (each opens its own page with ``app_page``); WebGL on Mesa's
    llvmpipe where it is installed (each mouse move on the Sketchpad waits for a software-rendered frame)."""
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright, CHROMIUM_LLVMPIPE_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# A face in five strokes (outline, two eyes, nose, then the mouth last), as fractions of the square canvas; each
# test draws it with no pause and one mouse move per segment (each move waits for a software-rendered frame).
FACE = [
    [(0.5 + 0.3 * math.sin(t / 4 * math.pi), 0.52 - 0.38 * math.cos(t / 4 * math.pi)) for t in range(9)],
    [(0.33, 0.45), (0.37, 0.43), (0.41, 0.45), (0.37, 0.47), (0.33, 0.45)],
    [(0.59, 0.45), (0.63, 0.43), (0.67, 0.45), (0.63, 0.47), (0.59, 0.45)],
    [(0.5, 0.47), (0.48, 0.6), (0.52, 0.61)],
    [(0.3, 0.72), (0.4, 0.78), (0.5, 0.8), (0.6, 0.78), (0.7, 0.72)],
]


def test_drawing_makes_a_face_a_slider_edits_it_and_looks_keep_the_drawing(app_url: str, browser, tmp_path) -> None:
    """One page, in sequence: strokes make a face, a slider re-runs only edit + decode, then New look and a look
    photo change the face and keep the drawing and the sliders (drawing the face once is most of the cost)."""
    import numpy as np
    from PIL import Image

    photo = tmp_path / "look.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(photo)
    with app_page(browser, app_url) as (page, canvas):
        assert face_src(page) is None
        assert not page.locator("#editor").is_visible()  # one model: no editor choice
        idle = IdleWatch(page)
        draw_strokes(page, canvas, FACE, steps=1)
        idle.wait(page)  # every stroke's upload and run are done
        first = face_src(page)
        assert first is not None, f"the strokes made no face (status: {status_text(page)!r})"
        move_slider(page, 0)
        page.wait_for_function(
            "(src) => { const i = document.querySelector('#face img'); return i && i.src !== src; }",
            arg=first,
            timeout=30_000,
        )
        idle.wait(page)
        assert "cached" in status_text(page)  # the slider re-ran only edit + decode
        slider = page.locator("input[type=range]").first.input_value()
        seen, face = image_pixels(page, "#model-input"), image_pixels(page, "#face")

        page.locator("#new-look").click()
        wait_for_status(page, "look: seed 1")
        idle.wait(page)
        looked = image_pixels(page, "#face")
        assert looked != face, "New look left the face as it was"  # the look changed the colours
        assert image_pixels(page, "#model-input") == seen, "New look changed the drawing"
        assert page.locator("input[type=range]").first.input_value() == slider, "New look moved the sliders"

        page.get_by_text("Take the look from a photo").click()
        page.locator("#look-photo input[type=file]").set_input_files(str(photo))
        wait_for_status(page, "look: from the photo look.png")
        idle.wait(page)
        assert image_pixels(page, "#face") not in (face, looked), "the look photo left the face as it was"
        assert image_pixels(page, "#model-input") == seen, "the look photo changed the drawing"

        nudge_slider(page, 0)  # a slider under a look reuses the fitted latent
        wait_for_status(page, "cached sketch latent; look: from the photo")


# A 1-in-4 race is caught by 8 bursts with 90 % probability and by 2 with 44 %. A burst took ~50 s on the loaded
# 2-core machine (SwiftShader WebGL, two mouse moves per segment; ~45 s with llvmpipe and one): with 4 the whole
# suite took 10.6 min on a clean clone, over its 10-minute budget, so it runs 2; S2FGAN_BURST_REPEATS=8 runs the
# full check (16 of 16 bursts passed after the Reset fix, docs/reliability.md §1).
BURST_REPEATS = int(os.environ.get("S2FGAN_BURST_REPEATS", "2"))


def reset_and_settle(page, idle: IdleWatch) -> None:
    """Click Reset and wait until the runs it sets off are done, so that none of them lands among the burst's.

    The Sketchpad applies the value Reset sends and fires its own `.change` seconds later on a loaded machine (that
    run carries the empty canvas), and the slider moved last fires `.release` (that run can still carry the old
    drawing, which the app ignores after Reset): docs/reliability.md §1. This waits until one of them has been asked
    for and the page is quiet, then checks that the old face did not come back.
    """
    before = idle.runs_requested
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_function("() => document.querySelector('#face img') === null", timeout=30_000)
    idle.wait_for_run_request(page, before)  # if nothing is asked for, the quiet wait below still holds
    idle.wait(page, status="")
    assert face_src(page) is None, f"a face came back over the emptied canvas (status: {status_text(page)!r})"
    assert status_text(page).startswith("The canvas is empty"), status_text(page)


def test_a_quick_burst_of_strokes_reaches_the_model_in_full(app_url: str, browser) -> None:
    """Strokes drawn with no pause: once the app has settled, "What the model sees" is the final canvas.

    The reference for each burst is a run made after the app settled (a slider nudge re-sends the canvas, and the
    model input does not depend on the sliders). Before the fix the settled result often lacked the last stroke(s).
    """
    with app_page(browser, app_url) as (page, canvas):
        idle = IdleWatch(page)
        misses = []
        for run in range(BURST_REPEATS):
            if run:
                reset_and_settle(page, idle)
            draw_strokes(page, canvas, FACE, steps=1)
            idle.wait(page, quiet_ms=8000)  # the last stroke's upload can start seconds after the mouse is up
            settled = image_pixels(page, "#model-input")
            before = idle.runs_requested
            nudge_slider(page, 0, "ArrowRight" if run % 2 == 0 else "ArrowLeft")
            # Without this the quiet wait below could pass before the nudge's run was even asked for.
            assert idle.wait_for_run_request(page, before), f"burst {run}: the slider nudge asked for no run"
            idle.wait(page)
            if image_pixels(page, "#model-input") != settled:
                misses.append(run)
        assert not misses, f"{len(misses)} of {BURST_REPEATS} bursts settled without their last stroke(s): {misses}"


@pytest.fixture(scope="module")
def two_editors_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a tiny S2F-DIS model and the same networks with an S2F-DEC editor (--model + --dec_model)."""
    from s2fgan_hf.app.editor import load_app_models

    folder = tmp_path_factory.mktemp("editors")
    models, _ = load_app_models(save_tiny_model(folder / "dis"), save_tiny_model(folder / "dec", "dec"))
    with serve(models) as url:
        yield url


def test_switching_the_editor_changes_the_face_and_keeps_the_drawing_sliders_and_look(
    two_editors_url: str, browser
) -> None:
    with app_page(browser, two_editors_url) as (page, canvas):
        idle = IdleWatch(page)
        draw_strokes(page, canvas, FACE, steps=1)
        idle.wait(page)
        move_slider(page, 0)  # with every slider at 0 both editors leave the latent as it is: the same face
        idle.wait(page)
        page.locator("#new-look").click()
        wait_for_status(page, "look: seed 1; S2F-DIS")
        idle.wait(page)
        slider = page.locator("input[type=range]").first.input_value()
        seen, face = image_pixels(page, "#model-input"), image_pixels(page, "#face")

        page.locator("#editor").get_by_label("S2F-DEC").check()
        wait_for_status(page, "look: seed 1; S2F-DEC")
        idle.wait(page)
        assert image_pixels(page, "#face") != face  # another editor, another edit
        assert image_pixels(page, "#model-input") == seen  # the drawing stays
        assert page.locator("input[type=range]").first.input_value() == slider  # and so do the sliders

        page.locator("#editor").get_by_label("S2F-DIS").check()
        wait_for_status(page, "cached sketch latent; look: seed 1; S2F-DIS")
        idle.wait(page)
        assert image_pixels(page, "#face") == face  # back to the first face


def wait_for_status(page, text: str, prefix: str = "Done", timeout_ms: int = 240_000) -> None:
    """Wait until the status box starts with ``prefix`` and contains ``text`` (the run it names has finished; the
    queue's stream is not a request the idle watch counts, so a slow run can outlast its quiet period)."""
    page.wait_for_function(
        """([text, prefix]) => { const box = document.querySelector('#status textarea, #status input');
                                 return box && box.value.startsWith(prefix) && box.value.includes(text); }""",
        arg=[text, prefix],
        timeout=timeout_ms,
    )
