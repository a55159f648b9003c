"""The Flask extension: the registry of generators and ``init_app``."""

from __future__ import annotations

import sys
import typing as t

import flask
from flask import Flask

from . import urls
from .exceptions import ConfigurationError, RegistrationError, UrlBuildError
from .registry import (
    DASH_OPTIONS,
    SPEC_OPTIONS,
    ImageSpec,
    Registry,
    keyword_params,
    make_guid,
)
from .state import DEFAULTS, EXTENSION_KEY, AppState, get_state
from .views import create_blueprint

if t.TYPE_CHECKING:
    from flask_caching import Cache

__all__ = ["DynamicImages"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class DynamicImages:
    """Serves pictures generated on request, at ``/image_generator/<guid>.<ext>``.

    The generators registered on one instance are shared by every app it is
    set up on; register them before or after :meth:`init_app`, in any order.

    :param app: a Flask app (a Dash app's ``server``) to set up at once.
    :param cache: a Flask-Caching ``Cache`` that keeps the pictures of
        deterministic generators (SimpleCache for one process, Redis to share
        between workers and hosts). It is set up on each app in
        :meth:`init_app` unless it already is.
    """

    def __init__(self, app: Flask | None = None, *, cache: Cache | None = None) -> None:
        self.registry = Registry()
        self.cache = cache
        # Names of the apps that sign Dash URLs (DASH_IMAGES_SIGN = True):
        # their URLs are built server-side, so clientside=True fails at
        # decoration, not on the first request.
        self._signing_apps: list[str] = []
        #: Dash generator guid -> the Dash apps with its callback (``None``:
        #: registered before any Dash app existed, so the ones made after).
        #: Its pictures are served under their prefixes only.
        self.dash_apps_of: dict[str, list[t.Any]] = {}
        self.blueprint = create_blueprint()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Serve this instance's generators on ``app``.

        :raises ConfigurationError: ``app`` is already set up, or is not a
            Flask app.
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
        if state.signs_dash_urls:
            for spec in self.registry:
                check_unsigned(spec, app.name)
            self._signing_apps.append(app.name)
        app.extensions[EXTENSION_KEY] = state
        app.register_blueprint(self.blueprint)
        app.add_template_global(self.url_for, "dynamic_image_url")
        if "dash" in sys.modules:
            # A Dash app made before this call is on the app already: serve
            # its pictures under its prefix (later ones are found by a hook).
            from .dash_hooks import attach_current_dash_app

            attach_current_dash_app(app)

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
            ``"avif"`` (where Pillow has it) or ``"auto"`` (from the
            request's Accept header).
        :param deterministic: the picture depends only on the inputs; then
            a revalidation is answered 304 without calling the generator, and
            the server cache may keep the picture.
        :param max_age: seconds a browser may reuse the picture unasked.
        :param public: let shared caches keep it (``private`` otherwise).
        :param version: goes into the URL; change it when the drawing changes.
        :param cache_timeout: seconds in the server cache; ``False``: never.
        :param clientside: build the URL in the browser (one request per
            change instead of two). ``None``: in the browser unless the app
            signs Dash URLs (``DASH_IMAGES_SIGN = True``); ``False``: by a
            server callback; ``True``: in the browser, refused where the app
            signs Dash URLs.
        :param hidpi: also set the image's ``srcSet`` to a 2x URL; the
            generator gets ``scale=1`` or ``scale=2`` by keyword.
        :param responsive: draw for the box the image fills: the generator
            also gets ``width`` and ``height`` by keyword, in device pixels
            (``height`` is ``None`` unless the image has a CSS height); the
            picture is redrawn when the box or the pixel ratio changes.
        :param allow_none: call the generator when an ``Input``'s value is
            ``None``; by default the picture is left as it is.
        :param prevent_initial_call: passed on to Dash.
        :param encoder_options: passed to Pillow's ``Image.save``
            (``quality``, ``compress_level``, ``lossless``, ...).
        """
        from .dash_callbacks import register_dash_callback

        return register_dash_callback(
            self,
            None,
            output,
            inputs_and_states,
            name=name,
            clientside=clientside,
            hidpi=hidpi,
            responsive=responsive,
            allow_none=allow_none,
            prevent_initial_call=prevent_initial_call,
            format=format,
            deterministic=deterministic,
            max_age=max_age,
            public=public,
            version=version,
            cache_timeout=cache_timeout,
            **encoder_options,
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
            self.register(
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
                **encoder_options,
            )
            return function

        return decorator

    def register(
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
        """The one registration path behind every decorator.

        :param options: the decorator's options (:data:`SPEC_OPTIONS`: format,
            caching, ...); any others are Pillow encoder options.
        :raises RegistrationError: bad options, or the guid is taken.
        """
        spec_options = {k: options.pop(k) for k in SPEC_OPTIONS if k in options}
        if spec_options.get("clientside", False) is None:
            # In the browser unless an app set up so far signs Dash URLs.
            spec_options["clientside"] = not self._signing_apps
        spec = ImageSpec(
            guid=make_guid(function, key, name),
            function=function,
            label=f"{function.__module__}.{function.__qualname__}",
            params=tuple(params),
            required=frozenset(params if required is None else required),
            keywords=keywords,
            encoder_options=options,
            **spec_options,
        )
        for app_name in self._signing_apps:
            check_unsigned(spec, app_name)
        self.registry.add(spec)
        return spec

    # -- URLs --------------------------------------------------------------

    def url_for(
        self, name_or_function: str | t.Callable[..., t.Any], **params: t.Any
    ) -> str:
        """The URL of a plain Flask generator's picture for ``params``.

        Needs an app context (a request context for a relative URL).

        :raises UrlBuildError: unknown generator, or parameters that do not fit.
        """
        try:
            spec = self.registry.find(name_or_function)
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
        names = [p for p in spec.params if p in params]
        return self.build_url(spec, [params[p] for p in names], names=names)

    def build_url(
        self,
        spec: ImageSpec,
        values: t.Sequence[t.Any],
        *,
        names: t.Sequence[str] | None = None,
        root: str | None = None,
        blueprint: str = urls.BLUEPRINT,
    ) -> str:
        """The URL of ``spec``'s picture for ``values`` on the current app.

        :param names: the parameters ``values`` are for, if not all of them.
        :param root: the app's root as the browser sees it, when it differs
            from the request's script root (Dash's ``requests_pathname_prefix``).
        :param blueprint: the name the route is registered under (a Dash
            app's prefix has its own).
        """
        state = get_state(flask.current_app)
        path = flask.url_for(f"{blueprint}.image", guid=spec.guid, ext=spec.extension)
        if root is not None and flask.has_request_context():
            path = root + path[len(flask.request.script_root) :]
        try:
            query = urls.encode_query(
                spec.params if names is None else names,
                values,
                state.version_for(spec),
            )
        except (TypeError, ValueError) as error:
            raise UrlBuildError(f"{spec.label}: {error}") from None
        query = state.sign(spec, query)
        url = f"{path}?{query}" if query else path
        if len(query) > state.max_url_length:
            raise UrlBuildError(
                f"{spec.label}: the URL's query would be {len(query)} bytes, more"
                f" than DASH_IMAGES_MAX_URL_LENGTH ({state.max_url_length}); pass"
                " smaller values (an id or a key to look the data up by, not the"
                " data itself)"
            )
        return url


def check_unsigned(spec: ImageSpec, app_name: str) -> None:
    """Browser-built URLs cannot be signed: refuse them where an app signs
    Dash URLs."""
    if spec.clientside:
        raise ConfigurationError(
            f"{spec.label}: its URLs are built in the browser, which cannot"
            f" sign them, but the app {app_name!r} signs Dash image URLs"
            " (DASH_IMAGES_SIGN = True). Set up the app before registering"
            " the callback (its URLs are then built server-side), or pass"
            " clientside=False."
        )
