"""Signals for metrics and logs, in Flask's way (blinker).

Connect receivers with ``image_rendered.connect(receiver, app)`` or for
every app with ``image_rendered.connect(receiver)``. The sender is the app.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = ["image_failed", "image_rendered"]

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
image_failed = _signals.signal("image-failed")
