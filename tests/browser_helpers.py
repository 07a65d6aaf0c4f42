"""Drive the app in headless Debian Chromium with Playwright: launch flags, drawing with the mouse, sliders."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium (Playwright cannot download its own browsers here)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def _stroke(page: Any, points: list[tuple[float, float]]) -> None:
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=2)
    page.mouse.up()


def draw_face(page: Any, canvas: Any) -> None:
    """Draw a face with the mouse on the Sketchpad canvas: outline, brows, eyes, nose, mouth (6 strokes)."""
    box = canvas.bounding_box()
    side = min(box["width"], box["height"])
    x0 = box["x"] + (box["width"] - side) / 2
    y0 = box["y"] + (box["height"] - side) / 2

    def at(u: float, v: float) -> tuple[float, float]:  # u, v in [0, 1] of the square canvas
        return x0 + u * side, y0 + v * side

    outline = [
        at(0.5 + 0.3 * math.sin(t / 24 * 2 * math.pi), 0.52 - 0.38 * math.cos(t / 24 * 2 * math.pi)) for t in range(25)
    ]
    _stroke(page, outline)
    _stroke(page, [at(0.3, 0.38), at(0.37, 0.36), at(0.44, 0.38)])
    _stroke(page, [at(0.56, 0.38), at(0.63, 0.36), at(0.7, 0.38)])
    _stroke(page, [at(0.33, 0.45), at(0.37, 0.43), at(0.41, 0.45), at(0.37, 0.47), at(0.33, 0.45)])
    _stroke(page, [at(0.59, 0.45), at(0.63, 0.43), at(0.67, 0.45), at(0.63, 0.47), at(0.59, 0.45)])
    _stroke(page, [at(0.5, 0.47), at(0.48, 0.6), at(0.52, 0.61)])
    _stroke(page, [at(0.38, 0.7), at(0.44, 0.74), at(0.5, 0.75), at(0.56, 0.74), at(0.62, 0.7)])


def face_src(page: Any) -> str | None:
    """The ``src`` of the face output image, or ``None`` while there is none."""
    image = page.locator("#face img")
    return image.first.get_attribute("src") if image.count() else None


def status_text(page: Any) -> str:
    return page.locator("#status textarea, #status input").first.input_value()


def move_slider(page: Any, index: int, presses: int = 8) -> None:
    """Move the ``index``-th range slider with the keyboard, then fire the pointer release Gradio listens to."""
    slider = page.locator("input[type=range]").nth(index)
    slider.focus()
    for _ in range(presses):
        slider.press("ArrowRight")
    slider.dispatch_event("pointerup")


def wait_for_stable_face(page: Any, quiet_ms: int = 1500, timeout_ms: int = 30_000) -> str:
    """Wait until a face is shown and its ``src`` has not changed for ``quiet_ms`` (queued events are done)."""
    page.wait_for_function("() => document.querySelector('#face img') !== null", timeout=timeout_ms)
    waited, src = 0, face_src(page)
    while waited < timeout_ms:
        page.wait_for_timeout(quiet_ms)
        waited += quiet_ms
        now = face_src(page)
        if now == src and status_text(page).startswith("Done"):
            return now
        src = now
    raise TimeoutError("the face kept changing")
