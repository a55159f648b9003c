"""The extension's configuration: every ``DASH_IMAGES_*`` key with its
default, read and checked from an app's config into :class:`Settings`.

Read in ``init_app`` and, if it changed meanwhile, again at the app's first
request (:meth:`.state.AppState.configure_again`): a wrong value fails
there, never at a picture's request.
"""

from __future__ import annotations

import os
import typing as t

from dash.testing import ignore_register_page
from flask import Flask

from .core import urls, workers
from .core.cache_guard import GuardedCache, check_timeouts
from .core.flight import RenderSlots
from .core.service import RenderService
from .exceptions import ConfigurationError

if t.TYPE_CHECKING:
    from flask_caching import Cache
    from itsdangerous import Signer

__all__ = ["DEFAULTS", "Settings", "read", "read_keys"]

#: Every configuration key and its default.
DEFAULTS: dict[str, t.Any] = {
    # None: sign whenever the app has a SECRET_KEY; True/False force it.
    "DASH_IMAGES_SIGN": None,
    # Put into every URL, so a deploy with new drawing code busts old caches.
    "DASH_IMAGES_VERSION": None,
    # gunicorn's default request-line limit is 4094 bytes, method and
    # protocol included; stay under it with room for a long path.
    "DASH_IMAGES_MAX_URL_LENGTH": 3800,
    # 4096 x 4096: about 64 MiB as RGBA, what one request may make a worker hold.
    "DASH_IMAGES_MAX_PIXELS": 4096 * 4096,
    # Generator calls at once per process: the default of Python's own
    # ThreadPoolExecutor, CPUs + 4 (at most 32): enough to overlap I/O-bound
    # generators, a bound on memory and on CPU-bound ones.
    "DASH_IMAGES_MAX_RENDERS": min(32, (os.cpu_count() or 1) + 4),
    # Seconds a request waits for a render slot (or for another request's
    # render of the same picture) before a 503.
    "DASH_IMAGES_RENDER_WAIT": 5.0,
    # Seconds a render may take before its request gets a 503 (None: no
    # limit); with processes, its worker is killed.
    "DASH_IMAGES_RENDER_TIMEOUT": None,
    # Worker processes that draw (0: in the request's thread).
    "DASH_IMAGES_RENDER_PROCESSES": 0,
    # Renders a worker process does before it is replaced.
    "DASH_IMAGES_RENDER_MAX_TASKS": 100,
    # Renders past RENDER_TIMEOUT that may run on in their threads (which
    # cannot be stopped) without a render slot; past it they keep theirs and
    # images.healthy() is False. None: DASH_IMAGES_MAX_RENDERS.
    "DASH_IMAGES_MAX_ABANDONED": None,
    # Seconds a failing server cache is skipped before it is tried again.
    "DASH_IMAGES_CACHE_RETRY": 30.0,
    # Seconds a signed URL stays valid (None: for good).
    "DASH_IMAGES_URL_MAX_AGE": None,
    # Seconds the clocks of the hosts may differ by, for URL_MAX_AGE.
    "DASH_IMAGES_URL_LEEWAY": 10.0,
}


class Settings(t.NamedTuple):
    """What an app's configuration says, checked."""

    #: The app's version (``DASH_IMAGES_VERSION``), put into every URL.
    version: str | None
    max_url_length: int
    #: Seconds a signed URL stays valid (``None``: for good).
    url_max_age: int | None
    url_leeway: float
    #: Signs URLs, where the app has a key and signs.
    signer: Signer | None
    #: Dash URLs are signed (``DASH_IMAGES_SIGN = True``).
    signs_dash_urls: bool
    #: Worker processes that draw (0: renders run in the request's thread).
    processes: int
    #: The render pipeline these settings make.
    service: RenderService


def read(app: Flask, cache: Cache | None) -> Settings:
    """The settings of ``app``'s configuration (defaults set), with the
    render service they make.

    :param cache: the extension's Flask-Caching cache, if any.
    :raises ConfigurationError: a value is wrong.
    """
    config = app.config
    url_max_age = _optional_positive_int(config, "DASH_IMAGES_URL_MAX_AGE")
    timeout = _optional_seconds(config, "DASH_IMAGES_RENDER_TIMEOUT")
    processes = _count(config, "DASH_IMAGES_RENDER_PROCESSES")
    max_tasks = _positive_int(config, "DASH_IMAGES_RENDER_MAX_TASKS")
    renders = _positive_int(config, "DASH_IMAGES_MAX_RENDERS")
    max_abandoned = (
        renders
        if config["DASH_IMAGES_MAX_ABANDONED"] is None
        else _count(config, "DASH_IMAGES_MAX_ABANDONED")
    )
    runner: workers.Runner
    if processes:
        # One worker per render at once: a slot holder always has one.
        renders = min(renders, processes)
        runner = workers.ProcessPool(
            processes,
            timeout,
            max_tasks,
            # A page module imported in a worker must not register its
            # page: Dash's own switch, which its background callbacks use.
            loading=ignore_register_page,
        )
    elif timeout is not None:
        runner = workers.InThreadWithTimeout(timeout)
    else:
        runner = workers.InThread()
    service = RenderService(
        slots=RenderSlots(
            renders,
            _seconds(config, "DASH_IMAGES_RENDER_WAIT"),
            timeout=timeout,
            max_abandoned=max_abandoned,
        ),
        runner=runner,
        max_pixels=_positive_int(config, "DASH_IMAGES_MAX_PIXELS"),
        cache=_guarded_cache(app, cache, _seconds(config, "DASH_IMAGES_CACHE_RETRY")),
        logger=app.logger,
        sender=app,
        namespace=app.name,
    )
    return Settings(
        version=_optional_name(config, "DASH_IMAGES_VERSION"),
        max_url_length=_positive_int(config, "DASH_IMAGES_MAX_URL_LENGTH"),
        url_max_age=url_max_age,
        url_leeway=_seconds(config, "DASH_IMAGES_URL_LEEWAY"),
        signer=_signer(config, url_max_age is not None),
        # Dash URLs are signed only when asked: the callback endpoint would
        # sign whatever values a browser posts, so a signature there
        # protects nothing, and it costs the browser-built URL (a second
        # round trip).
        signs_dash_urls=config["DASH_IMAGES_SIGN"] is True,
        processes=processes,
        service=service,
    )


def read_keys(config: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """What :func:`read` reads, to tell whether it changed."""
    keys = [*DEFAULTS, "SECRET_KEY", "SECRET_KEY_FALLBACKS"]
    return {key: config.get(key) for key in keys}


def _signer(config: t.Mapping[str, t.Any], timed: bool) -> Signer | None:
    sign = config["DASH_IMAGES_SIGN"]
    secret_key = config.get("SECRET_KEY")
    if sign not in (None, True, False):
        raise ConfigurationError("DASH_IMAGES_SIGN must be None, True or False")
    if sign is True and not secret_key:
        raise ConfigurationError(
            "DASH_IMAGES_SIGN is True but the app has no SECRET_KEY to sign with"
        )
    if sign is False or not secret_key:
        return None
    return urls.make_signer(
        secret_key, config.get("SECRET_KEY_FALLBACKS") or (), timed=timed
    )


def _guarded_cache(
    app: Flask, cache: Cache | None, retry: float
) -> GuardedCache | None:
    if cache is None:
        return None
    # The backend itself, so the render service needs no app context.
    backend = app.extensions["cache"][cache]
    problem = check_timeouts(backend)
    if problem is not None:
        raise ConfigurationError(f"DynamicImages(cache=...): {problem}")
    return GuardedCache(backend, retry, app.logger)


def _seconds(config: t.Mapping[str, t.Any], key: str) -> float:
    value = config[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value < float("inf")
    ):
        raise ConfigurationError(f"{key} must be seconds (0 or more), not {value!r}")
    return float(value)


def _optional_seconds(config: t.Mapping[str, t.Any], key: str) -> float | None:
    if config[key] is None:
        return None
    seconds = _seconds(config, key)
    if seconds == 0:
        raise ConfigurationError(f"{key} must be more than 0 seconds, or None")
    return seconds


def _count(config: t.Mapping[str, t.Any], key: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"{key} must be a whole number (0 or more), not {value!r}"
        )
    return value


def _optional_positive_int(config: t.Mapping[str, t.Any], key: str) -> int | None:
    return None if config[key] is None else _positive_int(config, key)


def _positive_int(config: t.Mapping[str, t.Any], key: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigurationError(
            f"{key} must be a positive whole number, not {value!r}"
        )
    return value


def _optional_name(config: t.Mapping[str, t.Any], key: str) -> str | None:
    value = config[key]
    if value is None:
        return None
    value = str(value)
    if not value or not all(c.isascii() and (c.isalnum() or c in "_-") for c in value):
        raise ConfigurationError(
            f"{key} must be letters, digits, '_' or '-', not {value!r}"
        )
    return value
