"""The render pipeline behind the HTTP adapter; it knows nothing of HTTP.

For one picture: the server cache (behind its breaker) -> single-flight for
identical concurrent requests -> a render slot (or :class:`RenderBusy`) ->
the generator -> limits -> encode, timing each step. One service per app,
built by :class:`~.state.AppState` from the app's configuration.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import typing as t

from werkzeug.exceptions import HTTPException

from ..exceptions import GeneratorFailed, RenderBusy
from ..signals import image_failed, image_rendered, render_abandoned
from . import coordinates, export, render, urls
from .flight import RenderSlots, SingleFlight
from .logs import describe
from .workers import InThread, Job

if t.TYPE_CHECKING:
    from .cache_guard import GuardedCache
    from .spec import ImageSpec
    from .workers import Runner

__all__ = ["Picture", "RenderService", "cache_key", "map_key"]


class Picture(t.NamedTuple):
    """An encoded picture and how it was had.

    :param data: the encoded bytes.
    :param timings: ``(step, seconds)`` for each step taken: ``cache`` (the
        lookup), ``generator``, ``encode`` (or ``draw``, for a map alone).
    :param hit: it came from the server cache.
    :param shared: another request's render, done at the same time, made it.
    :param map: its coordinate map (JSON), for a generator with ``events``.
    """

    data: bytes
    timings: tuple[tuple[str, float], ...]
    hit: bool = False
    shared: bool = False
    map: str | None = None


class RenderService:
    """Turns a generator and its values into encoded bytes, within limits.

    :param slots: the render slots of this process (for this app).
    :param max_pixels: the largest picture, checked before drawing where the
        size is known beforehand (a matplotlib figure), else after.
    :param cache: the server cache, or ``None``.
    :param logger: where generator failures are logged.
    :param sender: what the signals name as their sender (the app).
    :param namespace: what keeps this app's pictures apart from other apps'
        in a shared cache (the app's name): the same in every worker and host
        of one app.
    :param runner: where renders run (:mod:`.workers`); in the request's
        thread by default.
    """

    def __init__(
        self,
        *,
        slots: RenderSlots,
        max_pixels: int,
        cache: GuardedCache | None,
        logger: logging.Logger,
        sender: object = None,
        namespace: str = "",
        runner: Runner | None = None,
    ) -> None:
        self.slots = slots
        self.max_pixels = max_pixels
        self.cache = cache
        self.logger = logger
        self.sender = sender
        self.namespace = namespace
        self.runner = InThread() if runner is None else runner
        self._flight = SingleFlight(slots)

    @property
    def healthy(self) -> bool:
        """Whether no more abandoned renders run than the cap (see
        :meth:`.flight.RenderSlots.abandon`); their counts are on
        :attr:`slots`: ``abandoned`` now, ``abandoned_total`` since the start."""
        return self.slots.healthy

    def picture(
        self,
        spec: ImageSpec,
        values: t.Mapping[str, t.Any],
        name: str,
        key: str | None = None,
        store: bool = False,
        download: float | None = None,
    ) -> Picture:
        """The picture of ``spec`` for ``values`` in the format ``name``.

        :param key: what the picture depends on, for a deterministic
            generator: identical concurrent requests (same key) render once.
        :param store: the server cache may serve and keep it (the generator
            is cached and the URL's version is this server's).
        :param download: the export scale of a download (:meth:`download`
            gives it): ``name`` is then a format of the spec's ``export=``.
        :raises RenderBusy: no render slot came free in time, or another
            request's render of the same picture was not done in time.
        :raises GeneratorFailed: the generator raised or returned no picture
            (logged here, with its traceback).
        :raises HTTPException: the generator aborted with an HTTP error.
        """
        try:
            picture = self._picture(spec, values, name, key, store, download)
        except (RenderBusy, GeneratorFailed) as error:
            self._failed(spec, name, error)
            raise
        if image_rendered.receivers:
            image_rendered.send(
                self.sender,
                name=spec.guid,
                format=name,
                seconds=sum(seconds for _, seconds in picture.timings),
                size=len(picture.data),
                cached=picture.hit,
                shared=picture.shared,
            )
        return picture

    def download(
        self,
        spec: ImageSpec,
        values: t.Mapping[str, t.Any],
        name: str,
        key: str | None = None,
        store: bool = False,
    ) -> Picture:
        """The download of ``spec``'s picture for ``values`` as ``name``, a
        format of its ``export=`` (see :mod:`.export`), drawn
        ``spec.export_scale`` times larger where it can be.

        :param key: as for :meth:`picture`: the download's own.
        :raises BadParameter: the download would be over the pixel limit
            (known from the values: a responsive box), before any work.
        :raises: as :meth:`picture`.
        """
        scaled = export.scaled_values(
            values,
            spec.export_scale,
            hidpi=spec.hidpi,
            responsive=spec.responsive,
            max_pixels=self.max_pixels,
        )
        return self.picture(spec, scaled, name, key, store, spec.export_scale)

    def _failed(self, spec: ImageSpec, name: str, error: BaseException) -> None:
        # A generator's failure is signalled as the generator's own exception
        # (a SystemExit too).
        if isinstance(error, GeneratorFailed) and error.__cause__ is not None:
            error = error.__cause__
        if image_failed.receivers:
            image_failed.send(self.sender, name=spec.guid, format=name, exception=error)

    def _picture(
        self,
        spec: ImageSpec,
        values: t.Mapping[str, t.Any],
        name: str,
        key: str | None,
        store: bool,
        download: float | None = None,
    ) -> Picture:
        if key is None:
            return self._render(spec, values, name, (), download=download)
        cache = self.cache if store else None
        lookup: tuple[tuple[str, float], ...] = ()
        if cache is not None:
            stored = cache_key(self.namespace, key)
            started = time.perf_counter()
            kept = cache.get(stored)
            lookup = (("cache", time.perf_counter() - started),)
            if isinstance(kept, tuple):  # with its coordinate map
                return Picture(kept[0], lookup, hit=True, map=kept[1])
            if kept is not None:
                return Picture(kept, lookup, hit=True)
        picture, ran = self._flight.run(
            key, lambda: self._render(spec, values, name, lookup, download=download)
        )
        if not ran:
            return picture._replace(shared=True)
        if cache is not None:
            # store is only asked for when cache_timeout is not False.
            cache.set(
                stored,
                picture.data if picture.map is None else (picture.data, picture.map),
                spec.cache_timeout,
            )
        return picture

    def coordinate_map(
        self,
        spec: ImageSpec,
        values: t.Mapping[str, t.Any],
        fmt: render.Format,
        key: str | None,
        store: bool,
    ) -> Picture:
        """The coordinate map of ``spec``'s picture for ``values`` (its
        ``map``), drawn as ``fmt`` draws but not encoded (``data`` is empty):
        what a map request answers.

        :param key: where the server cache keeps it: a deterministic
            picture's format-free key, else :func:`map_key` of the map the
            page names (``None``: no lookup).
        :param store: the server cache may serve and keep it.
        :raises: as :meth:`picture`; a failure is signalled with the format
            ``"map"``.
        """
        try:
            return self._coordinate_map(spec, values, fmt, key, store)
        except (RenderBusy, GeneratorFailed) as error:
            self._failed(spec, urls.MAP_EXTENSION, error)
            raise

    def _coordinate_map(
        self,
        spec: ImageSpec,
        values: t.Mapping[str, t.Any],
        fmt: render.Format,
        key: str | None,
        store: bool,
    ) -> Picture:
        cache = self.cache if store else None
        lookup: tuple[tuple[str, float], ...] = ()
        if cache is not None and key is not None:
            started = time.perf_counter()
            kept = cache.get(cache_key(self.namespace, key))
            lookup = (("cache", time.perf_counter() - started),)
            if isinstance(kept, tuple):
                return Picture(b"", lookup, hit=True, map=kept[1])
        if spec.deterministic and key is not None:
            picture, ran = self._flight.run(
                key, lambda: self._render(spec, values, fmt.name, lookup, map_only=True)
            )
            if not ran:
                return picture._replace(shared=True)
        else:
            picture = self._render(spec, values, fmt.name, lookup, map_only=True)
        if cache is not None and picture.map is not None:
            self.keep_map(spec, picture.map, key if spec.deterministic else None)
        return picture

    def keep_map(self, spec: ImageSpec, found: str, key: str | None = None) -> None:
        """Keep a picture's coordinate map in the server cache for map
        requests: under ``key``, a deterministic picture's format-free key
        (the URL decides the map), else under :func:`map_key` (the page names
        the map it saw)."""
        if self.cache is None or spec.cache_timeout is False:
            return
        stored = map_key(spec.guid, coordinates.map_id(found)) if key is None else key
        # As a picture with its map is kept, without the picture.
        self.cache.set(
            cache_key(self.namespace, stored), (b"", found), spec.cache_timeout
        )

    def _render(
        self,
        spec: ImageSpec,
        values: t.Mapping[str, t.Any],
        name: str,
        timings: tuple[tuple[str, float], ...],
        map_only: bool = False,
        download: float | None = None,
    ) -> Picture:
        args, kwargs = spec.arguments(values)
        if map_only or download is None or name == spec.format:
            options = spec.encoder_options
        else:
            options = {}  # the encoder options are for the picture's format
        job = Job(
            spec.function,
            args,
            kwargs,
            name,
            options,
            self.max_pixels,
            coordinates=bool(spec.events) and download is None,
            download=download,
            map_only=map_only,
        )
        lease = _Lease(self, spec, name, self.slots.acquire())
        try:
            data, found, drawing, encoding = self.runner.run(job, lease)
        except HTTPException:
            raise  # an abort(), or a render over its time (RenderBusy)
        except BaseException as error:
            if (
                isinstance(error, KeyboardInterrupt)
                and threading.current_thread() is threading.main_thread()
            ):
                raise  # Ctrl-C: it stops a development server
            # SystemExit too: a generator's sys.exit() must not end the server.
            self.logger.error(
                "Image generator %s failed\n%s", spec.label, describe(error)
            )
            raise GeneratorFailed(spec.label) from error
        steps = (("generator", drawing), ("draw" if map_only else "encode", encoding))
        return Picture(data, (*timings, *steps), map=found)


class _Lease:
    """One render's hold on its render slot (see :class:`.workers.Lease`):
    an abandoned render is counted, logged and signalled here."""

    __slots__ = ("name", "service", "spec", "ticket")

    def __init__(
        self, service: RenderService, spec: ImageSpec, name: str, ticket: int
    ) -> None:
        self.service = service
        self.spec = spec
        self.name = name
        self.ticket = ticket

    def release(self) -> None:
        self.service.slots.release(self.ticket)

    def abandon(self) -> None:
        slots = self.service.slots
        freed = slots.abandon(self.ticket)
        running = slots.abandoned
        self.service.logger.warning(
            "Image generator %s ran past DASH_IMAGES_RENDER_TIMEOUT (%gs); its"
            " client got a 503, but a thread cannot be stopped: it goes on,"
            " abandoned (%d running, DASH_IMAGES_MAX_ABANDONED %d)%s",
            self.spec.label,
            slots.timeout,
            running,
            slots.max_abandoned,
            ""
            if freed
            else "; past the cap it keeps its render slot, and this process"
            " reports itself unhealthy until it ends",
        )
        if render_abandoned.receivers:
            render_abandoned.send(
                self.service.sender,
                name=self.spec.guid,
                format=self.name,
                running=running,
                healthy=slots.healthy,
            )


def map_key(guid: str, found_id: str) -> str:
    """The key of a map by its id (:func:`.coordinates.map_id`): a
    non-deterministic picture's map, which the page names."""
    return f"{guid}.{urls.MAP_EXTENSION}#{found_id}"


def cache_key(namespace: str, key: str) -> str:
    """The server cache's key for a picture's key in an app's namespace:
    short and fixed-length whatever the values (memcached allows 250 bytes)."""
    text = f"{namespace}\0{key}"
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()
    return f"dash_images:{digest}"
