"""Generators for tests that draw in worker processes: module-level
functions, which a worker gets by their module and name."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from flask import abort, current_app
from PIL import Image


def square(n):
    return Image.new("L", (n, n), 100)


def pid_picture(n):
    # The pid as the picture's width (pids stay well under 4 million here).
    return Image.new("L", (os.getpid() % 4000 + 1, 1))


def sleeps(seconds):
    time.sleep(seconds)
    return Image.new("L", (1, 1))


def dies(n):
    os.kill(os.getpid(), 9)


def fails(n):
    raise ValueError(f"no picture for {n}")


def aborts(n):
    abort(n)


def not_a_picture(n):
    return "a string"


def app_name(n):
    # Flask's context reaches a generator that draws in a thread of its own.
    return Image.new("L", (len(current_app.name), 1))


def box(n, *, width, height, scale):
    return Image.new("L", (width, height or width), n)


def exits(n):
    # sys.exit() in a generator: a 500, never the end of the server.
    raise SystemExit(n)


def interrupted(n):
    raise KeyboardInterrupt


def spawns(path):
    # A generator that starts a process of its own, then never returns.
    child = subprocess.Popen(["sleep", "25"])
    Path(path).write_text(str(child.pid))
    while True:
        time.sleep(1)


def forks_and_dies(path):
    # A forked child holds the worker's pipe open while the worker dies.
    pid = os.fork()
    if pid == 0:
        time.sleep(20)
        os._exit(0)
    Path(path).write_text(str(pid))
    os.kill(os.getpid(), 9)
