"""Signals for metrics and logs, in Flask's way (blinker).

Connect receivers with ``image_rendered.connect(receiver, app)`` or for
every app with ``image_rendered.connect(receiver)``. The sender is the app.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = ["app_setting_up", "image_failed", "image_rendered", "render_abandoned"]

_signals = Namespace()

#: A picture was served from a render or the server cache (not for a 304).
#: Keyword arguments: ``name`` (the generator's guid), ``format``,
#: ``seconds`` (generator and encoding; the lookup for a cache hit),
#: ``size`` (bytes), ``cached`` (it came from the server cache), ``shared``
#: (a concurrent identical request rendered it).
image_rendered = _signals.signal("image-rendered")

#: A picture could not be had. Keyword arguments: ``name``, ``format``,
#: ``exception``: the generator's exception (its failure is a 500), or a
#: :class:`~flask_dash_images.RenderBusy` (no render slot came free: a 503).
#: A coordinate map's request (pointer events) that fails says ``format``
#: ``"map"``.
image_failed = _signals.signal("image-failed")

#: A render ran past ``DASH_IMAGES_RENDER_TIMEOUT`` in a thread, which
#: cannot be stopped: its client got a 503 (``image_failed`` says so too),
#: and the generator goes on, *abandoned*. Keyword arguments: ``name`` (the
#: generator's guid), ``format``, ``running`` (the app's abandoned renders
#: still running in this process, this one included), ``healthy`` (no more
#: of them run than ``DASH_IMAGES_MAX_ABANDONED``; see
#: :meth:`~flask_dash_images.DynamicImages.healthy`). Never sent with
#: ``DASH_IMAGES_RENDER_PROCESSES``, whose stuck workers are killed.
render_abandoned = _signals.signal("render-abandoned")

#: Sent once, at an app's first request, before the request goes on and
#: while every other request waits (:mod:`.first_request`); the sender is the
#: app. The Dash side binds image callbacks to the app's Dash apps here.
app_setting_up = _signals.signal("app-setting-up")
