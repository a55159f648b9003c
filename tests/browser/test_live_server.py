"""The browser tests' own machinery: finding Chromium, the live server."""

from __future__ import annotations

import http.client
import socket
import sys
import threading
import urllib.parse

from flask import Flask

from ..servers import LiveServer
from . import helpers
from .helpers import find_chromium


def test_chromium_from_the_environment(monkeypatch):
    monkeypatch.setenv("CHROMIUM", sys.executable)
    assert find_chromium() == (sys.executable, "")


def test_a_wrong_chromium_in_the_environment_is_named(monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/nowhere/chromium")
    path, reason = find_chromium()
    assert path is None
    assert "CHROMIUM='/nowhere/chromium' is not an executable" in reason


def test_no_chromium_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(helpers, "DEFAULT_CHROMIUM", str(tmp_path / "chromium"))
    path, reason = find_chromium()
    assert path is None
    assert reason == "Debian's chromium is not installed: apt-get install chromium"


def test_close_hangs_up_on_idle_connections():
    app = Flask(__name__)
    app.add_url_rule("/", "hello", lambda: "hello")
    server = LiveServer(app)
    url = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    connection.request("GET", "/")
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"hello")
    connection.close()

    # A connection opened ahead of need, as a browser does, and never used.
    with socket.create_connection((url.hostname, url.port), timeout=5) as idle:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        connection.request("GET", "/")  # the server is past accept() for idle
        connection.getresponse().read()
        connection.close()
        closer = threading.Thread(target=server.close)
        closer.start()
        closer.join(timeout=5)
        assert not closer.is_alive(), "close() waits for an idle connection"
        assert idle.recv(1) == b""  # the server hung up
    names = [thread.name for thread in threading.enumerate()]
    assert not [n for n in names if "live-server" in n or "process_request" in n]
