"""The same code makes the same URL in every process, and any process serves it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .apps.line_app import line
from .conftest import decode, same_pixels

ASK_FOR_URL = textwrap.dedent(
    """
    import json, sys
    from tests.apps.line_app import app
    from tests.dash_browser import DashBrowser
    print(json.dumps(DashBrowser(app).update("line.src", [40, 12])))
    """
)

SERVE_URL = textwrap.dedent(
    """
    import sys
    from tests.apps.line_app import server
    response = server.test_client().get(sys.argv[1])
    sys.stdout.buffer.write(response.status.encode() + b"\\n" + response.data)
    """
)


def run(code: str, *args: str) -> bytes:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout


def test_two_processes_make_the_same_url_and_a_third_serves_it():
    first = json.loads(run(ASK_FOR_URL))
    second = json.loads(run(ASK_FOR_URL))
    assert first == second
    assert first.startswith("/image_generator/")

    status, _, data = run(SERVE_URL, first).partition(b"\n")
    assert status == b"200 OK"
    assert same_pixels(decode(data), line(40, 12))
