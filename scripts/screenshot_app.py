"""Take docs/app_screenshot.png: the app with the default model(s), a face drawn with the mouse, one slider moved.

    python scripts/screenshot_app.py [--model PATH_OR_HUB_ID] [--dec_model PATH_OR_HUB_ID] [--out PNG]

Drives headless Debian Chromium the way tests/test_app_browser.py does (needs /usr/bin/chromium and playwright).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import app  # noqa: E402
from s2fgan_hf.app.editor import load_app_models  # noqa: E402
from scripts.app_driver import (  # noqa: E402
    app_page,
    draw_face,
    free_port,
    launch_chromium,
    move_slider,
    wait_for_stable_face,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="checkpoint (default: $S2FGAN_MODEL, bundled, or random)")
    parser.add_argument("--dec_model", default=None, help="an S2F-DEC checkpoint beside --model (as app.py takes)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "app_screenshot.png")
    args = parser.parse_args()
    models, warning = load_app_models(args.model, args.dec_model)
    demo = app.build_demo(models, warning)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                with app_page(browser, url, height=1000, timeout_ms=60_000, settle_ms=1500) as (page, canvas):
                    draw_face(page, canvas)
                    wait_for_stable_face(page)
                    move_slider(page, 0, presses=6)  # Smiling +1.5
                    page.wait_for_timeout(2500)
                    wait_for_stable_face(page)
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(args.out), full_page=True)
            finally:
                browser.close()
    finally:
        demo.close()
    image = Image.open(args.out)
    image.convert("P", palette=Image.ADAPTIVE, colors=128).save(args.out, optimize=True)  # keep the PNG small
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {image.size[0]}x{image.size[1]})")


if __name__ == "__main__":
    main()
