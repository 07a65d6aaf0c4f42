"""A minimal in-process stand-in for the Hugging Face Hub HTTP API, enough for push_to_hub and from_pretrained.

It implements repo creation, YAML validation, pre-upload, commit (NDJSON, base64 "regular" uploads), repo info
and file resolution. Files live in memory. Start it with ``FakeHub()`` as a context manager; ``endpoint`` is its URL.
Tests point ``HF_ENDPOINT`` at it; nothing leaves the machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = r"(?:(?P<kind>models|datasets|spaces)/)?(?P<repo>[^/]+/[^/]+)"


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, dict[str, bytes]] = {}
        self.commits: dict[str, str] = {}
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _json(self, payload, status: int = 200, headers: dict | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                body = self._body()
                if path == "/api/repos/create":
                    data = json.loads(body or b"{}")
                    repo_id = f"{data.get('organization') or 'user'}/{data['name']}"
                    hub.repos.setdefault(repo_id, {})
                    hub.commits.setdefault(repo_id, "0" * 40)
                    return self._json({"url": f"{hub.endpoint}/{repo_id}", "name": repo_id, "id": repo_id})
                if path == "/api/validate-yaml":
                    return self._json({"warnings": [], "errors": []})
                m = re.fullmatch(rf"/api/{REPO}/preupload/(?P<rev>[^/]+)", path)
                if m:
                    files = json.loads(body)["files"]
                    return self._json(
                        {
                            "files": [
                                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                                for f in files
                            ]
                        }
                    )
                m = re.fullmatch(rf"/api/{REPO}/commit/(?P<rev>[^/]+)", path)
                if m:
                    repo_id = m["repo"]
                    store = hub.repos.setdefault(repo_id, {})
                    for line in body.decode().splitlines():
                        if not line.strip():
                            continue
                        item = json.loads(line)
                        if item["key"] == "file":
                            value = item["value"]
                            store[value["path"]] = base64.b64decode(value["content"])
                        elif item["key"] == "deletedFile":
                            store.pop(item["value"]["path"], None)
                    oid = hashlib.sha1(json.dumps(sorted(store)).encode() + body).hexdigest()
                    hub.commits[repo_id] = oid
                    return self._json(
                        {
                            "commitUrl": f"{hub.endpoint}/{repo_id}/commit/{oid}",
                            "commitOid": oid,
                            "pullRequestUrl": None,
                        }
                    )
                self._json({"error": f"not implemented: POST {path}"}, 404)

            def _resolve(self, send_body: bool) -> None:
                path = self.path.split("?")[0]
                m = re.fullmatch(r"/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)", path)
                if m:
                    repo_id, filename = m["repo"], m["file"]
                    if repo_id not in hub.repos:
                        self.send_response(404)
                        self.send_header("X-Error-Code", "RepoNotFound")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    data = hub.repos[repo_id].get(filename)
                    if data is None:
                        self.send_response(404)
                        self.send_header("X-Error-Code", "EntryNotFound")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(200)
                    self.send_header("ETag", '"' + hashlib.sha256(data).hexdigest() + '"')
                    self.send_header("X-Repo-Commit", hub.commits[repo_id])
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if send_body:
                        self.wfile.write(data)
                    return
                m = re.fullmatch(rf"/api/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<sub>.*))?", path)
                if m and m["repo"] in hub.repos:
                    prefix = (m["sub"] or "").strip("/")
                    entries = [
                        {"type": "file", "path": f, "size": len(d), "oid": hashlib.sha1(d).hexdigest()}
                        for f, d in sorted(hub.repos[m["repo"]].items())
                        if not prefix or f.startswith(prefix + "/")
                    ]
                    return self._json(entries)
                m = re.fullmatch(rf"/api/{REPO}(?:/revision/(?P<rev>[^/]+))?", path)
                if m and m["repo"] in hub.repos:
                    repo_id = m["repo"]
                    return self._json(
                        {
                            "id": repo_id,
                            "modelId": repo_id,
                            "sha": hub.commits[repo_id],
                            "siblings": [{"rfilename": f} for f in sorted(hub.repos[repo_id])],
                            "private": False,
                        }
                    )
                self._json({"error": f"not found: {path}"}, 404, {"X-Error-Code": "RepoNotFound"})

            def do_GET(self) -> None:  # noqa: N802
                self._resolve(send_body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._resolve(send_body=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def client_env(self, hf_home: str | os.PathLike) -> dict[str, str]:
        """Environment for a subprocess that talks to this server as the Hub (online, fake token, own cache)."""
        return {
            **os.environ,
            "HF_ENDPOINT": self.endpoint,
            "HF_TOKEN": "hf_fake_token",
            "HF_HOME": str(hf_home),
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_DISABLE_XET": "1",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        }

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
