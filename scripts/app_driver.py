"""Drive the app: a free port, a synthetic face drawing, and headless Debian Chromium with Playwright (launch
flags, drawing with the mouse, sliders, waiting for the app to settle).

Used by scripts/screenshot_app.py and scripts/measure_app_memory.py, and by the app tests (tests/test_app_*.py).
Playwright itself is imported by the caller; this module only takes its objects.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def face_strokes(
    size: int = 256, scale: float = 1.0, shift: tuple[int, int] = (0, 0), smile: bool = False
) -> np.ndarray:
    """A crude face (outline, brows, eyes, nose, mouth) as a boolean ink mask, optionally scaled and shifted."""
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    c, s = size / 2, size * scale / 256

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (c + x0 * s + shift[0], c + y0 * s + shift[1], c + x1 * s + shift[0], c + y1 * s + shift[1])

    draw.ellipse(box(-80, -100, 80, 105), outline=0, width=3)
    draw.line(box(-55, -35, -20, -38), fill=0, width=3)
    draw.line(box(20, -38, 55, -35), fill=0, width=3)
    draw.ellipse(box(-50, -22, -25, -10), outline=0, width=2)
    draw.ellipse(box(25, -22, 50, -10), outline=0, width=2)
    draw.line(box(0, -10, -6, 25), fill=0, width=2)
    if smile:
        draw.arc(box(-35, 25, 35, 65), start=20, end=160, fill=0, width=3)
    else:
        draw.line(box(-30, 50, 30, 50), fill=0, width=3)
    return np.asarray(image) < 128


def save_sketch(mask: np.ndarray, path: Path) -> Path:
    """The mask as a sketch file: black strokes on white."""
    Image.fromarray(np.where(mask, 0, 255).astype(np.uint8)).save(path)
    return path


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

# The Sketchpad is a WebGL canvas, and headless Chromium renders a frame of it for each mouse move. These flags run
# WebGL on Mesa's llvmpipe through ANGLE's EGL backend where Mesa's EGL is installed (Debian: libegl-mesa0), about
# 3x faster per frame on a 2-core CPU than the SwiftShader that --disable-gpu selects; without it, Chromium falls
# back to SwiftShader. llvmpipe is on Chromium's GPU blocklist: without --ignore-gpu-blocklist there is no WebGL.
CHROMIUM_LLVMPIPE_ARGS = [arg for arg in CHROMIUM_ARGS if arg != "--disable-gpu"] + [
    "--use-gl=angle",
    "--use-angle=gl-egl",
    "--ignore-gpu-blocklist",
]


def launch_chromium(playwright: Any, args: Sequence[str] = tuple(CHROMIUM_ARGS)) -> Any:
    """Headless Debian Chromium (Playwright cannot download its own browsers here) with ``args``
    (``CHROMIUM_LLVMPIPE_ARGS``: WebGL on Mesa's llvmpipe)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(args))


@contextmanager
def app_page(
    browser: Any, url: str, height: int = 1100, timeout_ms: int = 30_000, settle_ms: int = 1000
) -> Iterator[tuple[Any, Any]]:
    """(page, Sketchpad canvas) of the app at ``url`` in a new 1280 x ``height`` page, closed afterwards.

    Waits up to ``timeout_ms`` for the canvas, then ``settle_ms`` more for the guide background to load.
    """
    page = browser.new_page(viewport={"width": 1280, "height": height})
    try:
        page.goto(url, wait_until="domcontentloaded")
        canvas = page.locator("#sketchpad canvas").first
        canvas.wait_for(state="visible", timeout=timeout_ms)
        page.wait_for_timeout(settle_ms)
        yield page, canvas
    finally:
        page.close()


def _stroke(page: Any, points: list[tuple[float, float]], steps: int = 2) -> None:
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=steps)
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


def nudge_slider(page: Any, index: int, key: str = "ArrowRight") -> None:
    """One keyboard step of the ``index``-th range slider, then the pointer release Gradio listens to."""
    slider = page.locator("input[type=range]").nth(index)
    slider.focus()
    slider.press(key)
    slider.dispatch_event("pointerup")


class IdleWatch:
    """Counts the page's requests in flight (long-lived queue streams and heartbeats excepted).

    The Sketchpad reads and uploads the canvas some time after a stroke ends; on a loaded machine the last upload
    and the run it triggers can come seconds after the face last changed, so "the face did not change for a while"
    is not enough to know that the app has settled.
    """

    IGNORED = ("queue/data", "heartbeat", "/stream")

    def __init__(self, page: Any) -> None:
        import time

        self._clock = time.monotonic
        self.in_flight: set[Any] = set()
        self.last_event = self._clock()
        self.runs_requested = 0  # queue/join requests: one per model run the page asked for
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Any) -> None:
        if "queue/join" in request.url:
            self.runs_requested += 1
        if not any(part in request.url for part in self.IGNORED):
            self.in_flight.add(request)
            self.last_event = self._clock()

    def _end(self, request: Any) -> None:
        if request in self.in_flight:
            self.in_flight.discard(request)
            self.last_event = self._clock()

    def wait(self, page: Any, quiet_ms: int = 3000, timeout_ms: int = 240_000, status: str = "Done") -> None:
        """Wait until no request was in flight or started for ``quiet_ms`` and the status starts with ``status``."""
        start = self._clock()
        while self._clock() - start < timeout_ms / 1000:
            page.wait_for_timeout(250)
            quiet = not self.in_flight and self._clock() - self.last_event >= quiet_ms / 1000
            if quiet and status_text(page).startswith(status):
                return
        raise TimeoutError(f"the app did not settle within {timeout_ms} ms (status: {status_text(page)[:80]!r})")

    def wait_for_run_request(self, page: Any, since: int, timeout_ms: int = 30_000) -> bool:
        """Wait until the page has asked for a model run after the first ``since`` (``runs_requested`` before an
        action); ``False`` if none came within ``timeout_ms``."""
        start = self._clock()
        while self.runs_requested <= since:
            if self._clock() - start >= timeout_ms / 1000:
                return False
            page.wait_for_timeout(100)
        return True


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


def _fetch(page: Any, url: str, attempts: int = 3) -> bytes:
    """GET ``url`` through the page's request context, retrying a connection the server reset.

    On the loaded 2-core machine the app server now and then resets a kept-alive connection (Playwright:
    ``read ECONNRESET``; seen once in a clean-clone CI run, in a file GET after the face had rendered); the file is
    there, so asking again is right. Any other error is raised at once.
    """
    import time

    for _ in range(attempts - 1):
        try:
            return page.request.get(url).body()
        except Exception as error:  # playwright's Error; its module is not imported here
            if "ECONNRESET" not in str(error):
                raise
            time.sleep(0.5)
    return page.request.get(url).body()  # the last attempt: any error is the caller's


def image_pixels(page: Any, selector: str) -> bytes | None:
    """The decoded RGB pixels of the image inside ``selector`` (fetched from its ``src``), or ``None`` if none."""
    import io

    from PIL import Image

    image = page.locator(f"{selector} img")
    if not image.count():
        return None
    src = image.first.get_attribute("src")
    body = _fetch(page, src) if not src.startswith("data:") else None
    if body is None:
        import base64

        body = base64.b64decode(src.split(",", 1)[1])
    return Image.open(io.BytesIO(body)).convert("RGB").tobytes()


def draw_strokes(
    page: Any, canvas: Any, strokes: list[list[tuple[float, float]]], pause_ms: int = 0, steps: int = 2
) -> None:
    """Draw ``strokes`` (points as fractions of the square canvas) with the mouse, ``pause_ms`` after each.

    ``steps``: mouse moves per straight segment (the same lines either way; headless Chromium renders a frame of
    the canvas in software for each move, so ``steps=1`` draws in about half the time).
    """
    box = canvas.bounding_box()
    side = min(box["width"], box["height"])
    x0 = box["x"] + (box["width"] - side) / 2
    y0 = box["y"] + (box["height"] - side) / 2
    for stroke in strokes:
        _stroke(page, [(x0 + u * side, y0 + v * side) for u, v in stroke], steps)
        if pause_ms:
            page.wait_for_timeout(pause_ms)
