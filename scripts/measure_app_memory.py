"""Peak memory (RSS) of the app while it serves 16 concurrent /generate requests.

    env -u S2FGAN_MODEL HF_HUB_OFFLINE=1 python scripts/measure_app_memory.py [--model PATH] [--requests 16]

With no model this is the random ``fast-64`` fallback. The app and the gradio_client threads share one process,
so the figure is an upper bound for the server alone. Linux only (reads /proc/self/status).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradio_client import Client, handle_file  # noqa: E402

import app  # noqa: E402
from s2fgan_hf.app.editor import load_app_model  # noqa: E402
from scripts.app_driver import face_strokes, free_port, save_sketch  # noqa: E402


def rss_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak so far) of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--requests", type=int, default=16)
    args = parser.parse_args()
    model, warning = load_app_model(args.model)
    weights = " (random weights)" if warning else ""
    print(f"model: {model.config.preset or 'custom'} {model.config.image_size} px{weights}")
    demo = app.build_demo(model, warning)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        client = Client(url, verbose=False)
        with tempfile.TemporaryDirectory() as tmp:
            sketches = [save_sketch(face_strokes(scale=0.5 + 0.1 * i), Path(tmp) / f"{i}.png") for i in range(4)]
            client.predict(handle_file(sketches[0]), None, True, api_name="/generate")  # warm-up
            before = rss_mib("VmRSS")
            start = time.perf_counter()

            def call(i: int) -> str:
                value = {"Smiling": float(i % 9 - 4)}
                return client.predict(handle_file(sketches[i % 4]), value, True, api_name="/generate")

            with ThreadPoolExecutor(max_workers=args.requests) as pool:
                results = list(pool.map(call, range(args.requests)))
            elapsed = time.perf_counter() - start
        print(f"{len(results)}/{args.requests} requests succeeded in {elapsed:.1f} s")
        print(f"RSS after warm-up: {before:.0f} MiB; peak RSS (VmHWM): {rss_mib('VmHWM'):.0f} MiB")
    finally:
        demo.close()


if __name__ == "__main__":
    main()
