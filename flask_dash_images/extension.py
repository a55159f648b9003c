"""The Flask extension: the registry of generators and ``init_app``."""

from __future__ import annotations

import typing as t
import weakref

import flask
from flask import Flask

from . import first_request
from .core import urls
from .core.callables import (
    check_callable,
    keyword_params,
    label_of,
    make_guid,
    positional_params,
)
from .core.registry import Registry, check_same_code
from .core.spec import DASH_OPTIONS, HEIGHT, SCALE, SPEC_OPTIONS, WIDTH, ImageSpec
from .exceptions import ConfigurationError, RegistrationError, UrlBuildError
from .records import DashCallback, check_alt, check_dependencies, check_signable
from .settings import DEFAULTS
from .state import EXTENSION_KEY, AppState, get_state
from .views import create_blueprint

if t.TYPE_CHECKING:
    from flask_caching import Cache
    from werkzeug.sansio.app import App

__all__ = ["DynamicImages"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class DynamicImages:
    """Serves pictures generated on request, at ``/image_generator/<guid>.<ext>``.

    The generators registered on one instance are shared by every app it is
    set up on; register them before or after :meth:`init_app`, in any order.
    Image callbacks are only recorded when decorated; each Dash app binds the
    ones meant for it when it sets up (its server's first request), with its
    own server's configuration: ``images.callback`` goes to every Dash app
    whose Flask server has this instance set up, ``image_callback(dash_app,
    ...)`` to that Dash app only.

    :param app: a :class:`~flask.Flask` app (a Dash app's ``server``) to
        set up at once; or call :meth:`init_app` later, in an app factory.
    :param cache: a Flask-Caching ``Cache`` that keeps the pictures of
        deterministic generators (SimpleCache for one process, Redis to share
        between workers and hosts). It is set up on each app in
        :meth:`init_app` unless it already is.
    """

    def __init__(self, app: Flask | None = None, *, cache: Cache | None = None) -> None:
        self.registry = Registry()
        self.cache = cache
        #: The image callbacks asked for, in order (see :mod:`.records`).
        self.dash_callbacks: list[DashCallback] = []
        # The apps' states, for the checks at decoration (signing, too late).
        self._states: weakref.WeakSet[AppState] = weakref.WeakSet()
        self.blueprint = create_blueprint()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Serve this instance's generators on ``app``, and its image
        callbacks in the Dash apps on ``app`` (made before or after this).

        Sets the defaults of the ``DASH_IMAGES_*`` configuration keys and
        reads them; keys changed after this are read again at the app's
        first request.

        :param app: a :class:`~flask.Flask` app (a Dash app's ``server``).
        :raises ConfigurationError: ``app`` is already set up, or is not a
            Flask app, or its configuration is wrong.
        """
        if not isinstance(app, Flask):
            raise ConfigurationError(
                f"init_app takes a Flask app (a Dash app's server on Dash's"
                f" Flask backend), not {type(app).__module__}.{type(app).__name__}"
            )
        if EXTENSION_KEY in app.extensions:
            raise ConfigurationError(
                f"DynamicImages is already set up on the app {app.name!r}"
            )
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        if self.cache is not None and self.cache not in app.extensions.get("cache", {}):
            self.cache.init_app(app)
        state = AppState(self, app)
        for spec in self.registry:
            state.check_sendable(spec)
        for spec in self.registry:
            state.take(spec, borrow=self.registry.owned(spec.guid))
        if state.signs_dash_urls:
            for record in self.dash_callbacks:
                check_signable(record, app.name)
        app.register_blueprint(self.blueprint)
        app.add_template_global(self.url_for, "dynamic_image_url")
        first_request.install(app, self._configure_again)
        app.extensions[EXTENSION_KEY] = state
        self._states.add(state)

    def _configure_again(self, app: Flask) -> None:
        # Configuration set after init_app (a factory that sets it up, then
        # reads config) still takes effect: nothing was served yet.
        changed = get_state(app).configure_again(app)
        if changed:
            app.logger.info(
                "flask-dash-images: %s changed after init_app; read again at"
                " the app's first request",
                ", ".join(changed),
            )

    @classmethod
    def of(cls, app: App | t.Any) -> DynamicImages:
        """The instance set up on ``app``: a Flask app, or a Dash app (its
        server's). For code that has the app but not the extension, such as
        a page module after ``image_callback(dash_app, ...)``.

        :raises ConfigurationError: none is set up there.
        """
        server = app if isinstance(app, Flask) else getattr(app, "server", app)
        if not isinstance(server, Flask):
            raise ConfigurationError(
                f"DynamicImages.of takes a Flask app or a Dash app on Flask,"
                f" not {type(app).__module__}.{type(app).__name__}"
            )
        return get_state(server).extension

    # -- registration ------------------------------------------------------

    def callback(
        self,
        output: t.Any,
        *inputs_and_states: t.Any,
        name: str | None = None,
        format: str = "png",
        deterministic: bool = False,
        max_age: int | None = None,
        public: bool = False,
        version: str | None = None,
        cache_timeout: int | t.Literal[False] | None = None,
        clientside: bool | None = None,
        hidpi: bool = False,
        responsive: bool = False,
        allow_none: bool = False,
        prevent_initial_call: bool | None = None,
        events: t.Sequence[str] = (),
        preview: bool | None = None,
        alt: str | None = None,
        export: t.Sequence[str] = (),
        export_scale: float = 1,
        filename: str | None = None,
        export_button: bool = True,
        **encoder_options: t.Any,
    ) -> t.Callable[[F], F]:
        """Register a Dash callback whose ``Output`` is an image's ``src``.

        The decorated function is the generator: Dash runs only a small
        callback that builds the URL; the function runs when the browser
        fetches the URL, with the ``Input`` and ``State`` values in order.
        It is returned unchanged.

        :param output: ``Output(component_id, "src")``; pattern-matching ids
            work (with ``ALL``, picture *i* gets item *i* of each ``ALL`` input).
        :param inputs_and_states: ``Input`` and ``State`` dependencies.
        :param name: a stable name for the URL instead of the derived id.
        :param format: ``"png"``, ``"jpeg"``, ``"webp"``, ``"gif"``,
            ``"avif"`` (where Pillow has it), ``"svg"`` (a matplotlib
            figure as vectors, or SVG text) or ``"auto"`` (from the
            request's Accept header).
        :param deterministic: the picture depends only on the inputs; then
            a revalidation is answered 304 without calling the generator, and
            the server cache may keep the picture.
        :param max_age: seconds a browser may reuse the picture unasked.
        :param public: let shared caches keep it (``private`` otherwise).
        :param version: goes into the URL; change it when the drawing changes.
        :param cache_timeout: seconds in the server cache; ``False``: never.
        :param clientside: build the URL in the browser (one request per
            change instead of two). ``None``: decided by each Dash app's
            server when it sets up: in the browser unless it signs Dash URLs
            (``DASH_IMAGES_SIGN = True``); ``False``: by a server callback;
            ``True``: in the browser, refused where the app signs Dash URLs.
        :param hidpi: also set the image's ``srcSet`` to a 2x URL; the
            generator gets ``scale=1`` or ``scale=2`` by keyword.
        :param responsive: draw for the box the image fills: the generator
            also gets ``width`` and ``height`` by keyword, in device pixels
            (``height`` is ``None`` unless the image has a CSS height), and
            ``scale``, the device pixel ratio; the picture is redrawn when
            the box or the pixel ratio changes.
        :param allow_none: call the generator when an ``Input``'s value is
            ``None``; by default the picture is left as it is.
        :param prevent_initial_call: passed on to Dash.
        :param events: pointer events the image reports as Dash properties
            (``"click"``, ``"dblclick"``, ``"hover"``, ``"wheel"``, and one of
            ``"brush"``, ``"brush-x"``, ``"brush-y"`` or ``"pan"``), in data
            coordinates.
        :param preview: after a wheel, pan or brush, show the expected next
            view at once (the current picture scaled and moved inside the
            image's box) until the next picture has loaded. By default on
            where the image reports one of those events.
        :param alt: the image's ``alt`` text, or a template over the
            generator's parameter names (``"Line to ({x}, {y})"``).
        :param export: formats the picture may also be downloaded as, from
            ``"png"``, ``"svg"``, ``"pdf"``, ``"jpeg"``, ``"webp"`` (and
            ``"avif"`` where Pillow has it); the image's ``data-export``
            property holds their URLs for the current values, and a
            "Download picture" control on the picture offers them.
        :param export_scale: PNG, JPEG, WebP and AVIF downloads are drawn this
            many times larger (a matplotlib figure at its dpi times this; a
            generator that takes ``scale`` gets it multiplied); other
            pictures at their own size.
        :param filename: the download's file name (the extension is added):
            text, or a template over the generator's parameter names
            (``"chart-{x}-{y}"``); by default the picture's name.
        :param export_button: show the built-in download control;
            ``False``: only the ``data-export`` property.
        :param encoder_options: passed to Pillow's ``Image.save``
            (``quality``, ``compress_level``, ``lossless``, ...).
        """
        return self.record_dash_callback(
            None,
            output,
            inputs_and_states,
            name=name,
            clientside=clientside,
            hidpi=hidpi,
            responsive=responsive,
            allow_none=allow_none,
            prevent_initial_call=prevent_initial_call,
            events=events,
            preview=preview,
            alt=alt,
            export_button=export_button,
            format=format,
            deterministic=deterministic,
            max_age=max_age,
            public=public,
            version=version,
            cache_timeout=cache_timeout,
            export=export,
            export_scale=export_scale,
            filename=filename,
            **encoder_options,
        )

    def record_dash_callback(
        self,
        dash_app: t.Any,
        output: t.Any,
        inputs_and_states: t.Sequence[t.Any],
        *,
        name: str | None = None,
        clientside: bool | None = None,
        hidpi: bool = False,
        responsive: bool = False,
        allow_none: bool = False,
        prevent_initial_call: bool | None = None,
        events: t.Sequence[str] = (),
        alt: str | None = None,
        export_button: bool = True,
        **options: t.Any,
    ) -> t.Callable[[F], F]:
        """Check an image callback and record it (the path behind
        :meth:`callback` and :func:`~flask_dash_images.image_callback`).

        :param dash_app: the one Dash app it is for, or ``None``: every Dash
            app whose server has this instance set up.
        :param options: :class:`~.core.spec.ImageSpec` options and Pillow
            encoder options.
        """
        check_dependencies(output, inputs_and_states)
        count = len(inputs_and_states)
        keywords = [*(WIDTH, HEIGHT, SCALE) * responsive, *(SCALE,) * hidpi]
        why = "responsive=True" if responsive else "hidpi=True"

        def decorator(function: F) -> F:
            label = label_of(function)
            check_callable(function, label, count, keywords, why)
            params = positional_params(function, count)
            spec = self.make_spec(
                function,
                key=str(output),
                name=name,
                params=[*params, *keywords],
                keywords=False,
                hidpi=hidpi,
                responsive=responsive,
                allow_none=allow_none,
                events=(events,) if isinstance(events, str) else tuple(events),
                **options,
            )
            check_alt(alt, spec.params, label)
            record = DashCallback(
                spec=spec,
                output=output,
                inputs_and_states=tuple(inputs_and_states),
                dash_app=None if dash_app is None else weakref.ref(dash_app),
                clientside=clientside,
                allow_none=allow_none,
                prevent_initial_call=prevent_initial_call,
                alt=alt,
                export_button=export_button,
            )
            for state in self._states:
                if dash_app is not None and state.hosts(dash_app):
                    state.check_sendable(spec)
                if state.signs_dash_urls and (
                    dash_app is None or state.hosts(dash_app)
                ):
                    check_signable(record, state.app_name)
            self._record(record)
            return function

        return decorator

    def _record(self, record: DashCallback) -> None:
        spec = record.spec
        target = record.target()
        # A Dash app that is gone takes its image callbacks with it.
        self.dash_callbacks = [r for r in self.dash_callbacks if not r.gone()]
        same = None
        for known in self.dash_callbacks:
            other = known.target()
            if known.spec.guid != spec.guid or (
                other is not None and target is not None and other is not target
            ):
                continue  # another id, or another Dash app's own (a factory's)
            if not known.same_callback(record):
                raise RegistrationError(
                    f"{spec.label}: another image callback ({known.output} from"
                    f" {', '.join(map(str, known.inputs_and_states))}) already"
                    f" has the id {spec.guid!r}; give one of them name='...'"
                )
            same = known
        # The same image callback again, from the same code (another
        # function object): Dash runs each page module of a use_pages app
        # once per Dash app made, and a factory may bind a closure to each
        # Dash app it makes. Each app keeps the function it was bound to.
        existing = self.registry.get(spec.guid)
        if existing is not None and existing.keywords:
            check_same_code(existing, spec)  # a plain generator's id: a clash
        if same is None:
            self._check_not_set_up(spec.label, target)
        if target is None:
            self._take(spec)
        if same is None:
            self.dash_callbacks.append(record)
        else:
            # The newest, for the Dash apps that set up later.
            self.dash_callbacks[self.dash_callbacks.index(same)] = record

    def _take(self, spec: ImageSpec) -> None:
        # Every app set up takes the generator, unless it has its own (see
        # AppState.take); the registry keeps it for apps set up later. A
        # clash of guids raises first, before any app took it.
        existing = self.registry.get(spec.guid)
        if existing is not None:
            check_same_code(existing, spec)
        states = list(self._states)
        for state in states:
            state.check_sendable(spec)
        owned = [state.take(spec) for state in states]
        self.registry.add(spec, owned=any(owned))

    def _check_not_set_up(self, label: str, dash_app: t.Any) -> None:
        # A Dash app binds its image callbacks once, when it sets up.
        for state in self._states:
            late = [d for d in state.dash_apps if dash_app is None or d is dash_app]
            if late:
                prefixes = ", ".join(
                    repr(d.config.routes_pathname_prefix) for d in late
                )
                raise RegistrationError(
                    f"{label}: the Dash app(s) at {prefixes} on the app"
                    f" {state.app_name!r} have served requests already and"
                    " set up without this image callback; register image"
                    " callbacks before the app serves (at import, or in the"
                    " app factory before it returns)"
                )

    def generator(
        self,
        name: str | None = None,
        *,
        format: str = "png",
        deterministic: bool = False,
        max_age: int | None = None,
        public: bool = False,
        version: str | None = None,
        cache_timeout: int | t.Literal[False] | None = None,
        export: t.Sequence[str] = (),
        export_scale: float = 1,
        filename: str | None = None,
        **encoder_options: t.Any,
    ) -> t.Callable[[F], F]:
        """Register a plain Flask generator, called with keyword arguments.

        Build its URLs with :meth:`url_for` or, in templates,
        ``dynamic_image_url(name, **params)``. Parameters with defaults may be
        left out of a URL. The options are those of :meth:`callback`.

        :param name: the name in its URL; by default a digest of the
            function's qualified name.
        """

        dash_only = sorted(DASH_OPTIONS & set(encoder_options))
        if dash_only:
            raise RegistrationError(
                f"{', '.join(dash_only)}: an option of Dash image callbacks"
                " (images.callback, image_callback), not of plain generators"
            )

        def decorator(function: F) -> F:
            params, required = keyword_params(function)
            spec = self.make_spec(
                function,
                key="",
                name=name,
                params=params,
                required=required,
                keywords=True,
                format=format,
                deterministic=deterministic,
                max_age=max_age,
                public=public,
                version=version,
                cache_timeout=cache_timeout,
                export=export,
                export_scale=export_scale,
                filename=filename,
                **encoder_options,
            )
            for known in self.dash_callbacks:
                if known.spec.guid == spec.guid:
                    check_same_code(known.spec, spec)
            self._take(spec)
            return function

        return decorator

    def make_spec(
        self,
        function: t.Callable[..., t.Any],
        *,
        key: str,
        name: str | None,
        params: t.Sequence[str],
        required: t.Iterable[str] | None = None,
        keywords: bool,
        **options: t.Any,
    ) -> ImageSpec:
        """The one way every decorator describes its generator.

        :param options: the decorator's options (:data:`SPEC_OPTIONS`: format,
            caching, ...); any others are Pillow encoder options.
        :raises RegistrationError: bad options.
        """
        spec_options = {k: options.pop(k) for k in SPEC_OPTIONS if k in options}
        # Sequences as tuples, so that a list and a tuple are the same spec (a
        # string is left as it is, for its own error).
        for option in ("events", "export"):
            given = spec_options.get(option)
            if given is not None and not isinstance(given, str):
                spec_options[option] = tuple(given)
        return ImageSpec(
            guid=make_guid(function, key, name),
            name=name,
            function=function,
            label=label_of(function),
            params=tuple(params),
            required=frozenset(params if required is None else required),
            keywords=keywords,
            encoder_options=options,
            **spec_options,
        )

    # -- URLs --------------------------------------------------------------

    def url_for(
        self,
        name_or_function: str | t.Callable[..., t.Any],
        *,
        _dash_app: t.Any = None,
        _format: str | None = None,
        _download: bool = False,
        **params: t.Any,
    ) -> str:
        """The URL of a picture for ``params``: a plain generator's (at the
        app's root), or an image callback's (under the prefix of the Dash app
        it is bound to). In templates: ``dynamic_image_url(name, **params)``.

        Needs an app context (a request context for a relative URL).

        :param name_or_function: the generator's name (its guid) or function.
        :param _dash_app: the Dash app whose picture it is, for an image
            callback bound to several Dash apps on this app.
        :param _download: the URL of a download of the picture (see the
            ``export=`` option), in the format ``_format`` (by default the
            first of ``export=``); it answers as a file to save.
        :param _format: the download's format, one of ``export=``.
        :raises UrlBuildError: unknown generator, parameters that do not fit,
            a format the picture cannot be downloaded as, or an image
            callback bound to no Dash app here, or to several and
            ``_dash_app`` not given.
        """
        state = get_state(flask.current_app)
        try:
            spec = state.find(name_or_function)
        except LookupError as error:
            raise UrlBuildError(str(error)) from None
        unknown = sorted(set(params) - set(spec.params))
        missing = sorted(spec.required - set(params))
        if unknown or missing:
            raise UrlBuildError(
                f"{spec.label}: "
                + "; ".join(
                    f"{what} parameter(s) {', '.join(names)}"
                    for what, names in (("unknown", unknown), ("missing", missing))
                    if names
                )
            )
        download = _download_format(spec, _format, _download)
        ext = download or spec.extension
        if spec.keywords:
            path = flask.url_for(f"{urls.BLUEPRINT}.image", guid=spec.guid, ext=ext)
        else:
            root = state.dash_prefix(spec, _dash_app)
            path = f"{root}{urls.ROUTE[1:]}{spec.guid}.{ext}"
        names = [p for p in spec.params if p in params]
        query = state.query(spec, [params[p] for p in names], names, download)
        return f"{path}?{query}" if query else path

    # -- health ------------------------------------------------------------

    def healthy(self) -> bool:
        """Whether this process can go on serving pictures: ``False`` once
        some app this instance is set up on, in this process, has more
        abandoned renders still running than ``DASH_IMAGES_MAX_ABANDONED``.

        A render abandoned is one that ran past
        ``DASH_IMAGES_RENDER_TIMEOUT`` in a thread (its client got a 503),
        which Python cannot stop; up to the cap they give their render slots
        back, past it they keep them, and stuck generators would in the end
        hold every slot. The process should then be replaced: put this in
        the health check that your process manager or orchestrator probes,
        so that it restarts the process (a Kubernetes liveness probe, a
        load balancer's health check, systemd's watchdog)::

            @server.route("/health")
            def health():
                if not images.healthy():
                    return "stuck renders", 503
                return "ok"

        and under gunicorn let the worker itself be replaced, gracefully,
        after the request that finds it so (in ``gunicorn.conf.py``)::

            def post_request(worker, req, environ, resp):
                from app import images

                if not images.healthy():
                    worker.alive = False

        It is ``True`` again once enough of them have ended. With
        ``DASH_IMAGES_RENDER_PROCESSES``, a stuck render's worker is killed:
        nothing is abandoned.
        """
        return all(state.service.healthy for state in list(self._states))


def _download_format(spec: ImageSpec, fmt: str | None, download: bool) -> str | None:
    """The format of the download ``url_for`` is asked for, or ``None``.

    :raises UrlBuildError: a format ``spec`` cannot be downloaded as.
    """
    if not download:
        if fmt is not None and fmt != spec.extension:
            raise UrlBuildError(
                f"{spec.label}: its picture is {spec.extension}; for a download"
                f" as {fmt}, pass _download=True"
            )
        return None
    if not spec.export:
        raise UrlBuildError(f"{spec.label} has no downloads (export=...)")
    if fmt is None:
        return spec.export[0]
    if fmt not in spec.export:
        raise UrlBuildError(
            f"{spec.label} can be downloaded as {', '.join(spec.export)},"
            f" not {fmt!r} (export=...)"
        )
    return fmt
