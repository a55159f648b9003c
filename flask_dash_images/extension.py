"""The Flask extension: the registry of generators and ``init_app``."""

from __future__ import annotations

import inspect
import typing as t

import flask
from flask import Flask

from . import urls
from .exceptions import ConfigurationError, RegistrationError, UrlBuildError
from .registry import ImageSpec, Registry, make_guid
from .state import EXTENSION_KEY, AppState, get_state
from .views import ENDPOINT, create_blueprint

if t.TYPE_CHECKING:
    from flask_caching import Cache

__all__ = ["DynamicImages"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class DynamicImages:
    """Serves pictures generated on request, at ``/image_generator/<guid>.<ext>``.

    The generators registered on one instance are shared by every app it is
    set up on; register them before or after :meth:`init_app`, in any order.

    :param app: a Flask app (a Dash app's ``server``) to set up at once.
    :param cache: reserved for a Flask-Caching ``Cache``.
    """

    def __init__(self, app: Flask | None = None, *, cache: Cache | None = None) -> None:
        self.registry = Registry()
        self.cache = cache
        self.blueprint = create_blueprint()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Serve this instance's generators on ``app``.

        :raises ConfigurationError: ``app`` is already set up.
        """
        if EXTENSION_KEY in app.extensions:
            raise ConfigurationError(
                f"DynamicImages is already set up on the app {app.name!r}"
            )
        app.extensions[EXTENSION_KEY] = AppState(self, app)
        app.register_blueprint(self.blueprint)
        app.add_template_global(self.url_for, "dynamic_image_url")

    # -- registration ------------------------------------------------------

    def callback(
        self,
        output: t.Any,
        *inputs_and_states: t.Any,
        name: str | None = None,
        prevent_initial_call: bool | None = None,
    ) -> t.Callable[[F], F]:
        """Register a Dash callback whose ``Output`` is an image's ``src``.

        The decorated function is the generator: Dash calls nothing but a
        URL builder; the function runs when the browser fetches the URL, with
        the ``Input`` and ``State`` values in order. It is returned unchanged.

        :param output: ``Output(component_id, "src")``.
        :param inputs_and_states: ``Input`` and ``State`` dependencies.
        :param name: a stable name for the URL instead of the derived id.
        :param prevent_initial_call: passed on to Dash.
        """
        from .dash_callbacks import register_dash_callback

        return register_dash_callback(
            self,
            None,
            output,
            inputs_and_states,
            name=name,
            prevent_initial_call=prevent_initial_call,
        )

    def generator(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a plain Flask generator, called with keyword arguments.

        Build its URLs with :meth:`url_for` or, in templates,
        ``dynamic_image_url(name, **params)``.

        :param name: the name in its URL; by default a digest of the
            function's qualified name.
        """

        def decorator(function: F) -> F:
            params, required = keyword_params(function)
            self.register(
                function, key="", name=name, params=params, required=required,
                keywords=True,
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
    ) -> ImageSpec:
        """The one registration path behind every decorator."""
        guid = make_guid(function, key, name)
        spec = ImageSpec(
            guid=guid,
            function=function,
            label=f"{function.__module__}.{function.__qualname__}",
            params=tuple(params),
            required=frozenset(params if required is None else required),
            keywords=keywords,
        )
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
    ) -> str:
        """The URL of ``spec``'s picture for ``values`` on the current app.

        :param names: the parameters ``values`` are for, if not all of them.
        :param root: the app's root as the browser sees it, when it differs
            from the request's script root (Dash's ``requests_pathname_prefix``).
        """
        state = get_state(flask.current_app)
        path = flask.url_for(ENDPOINT, guid=spec.guid, ext=spec.extension)
        if root is not None and flask.has_request_context():
            path = root + path[len(flask.request.script_root) :]
        try:
            query = urls.encode_query(spec.params if names is None else names, values)
        except (TypeError, ValueError) as error:
            raise UrlBuildError(f"{spec.label}: {error}") from None
        if state.signer is not None:
            payload = urls.signed_payload(f"{spec.guid}.{spec.extension}", query)
            signature = state.signer.get_signature(payload).decode("ascii")
            query = f"{query}&{urls.SIGNATURE}={signature}" if query else (
                f"{urls.SIGNATURE}={signature}"
            )
        return f"{path}?{query}" if query else path


def keyword_params(function: t.Callable[..., t.Any]) -> tuple[list[str], list[str]]:
    """A plain generator's parameter names, and which of them are required."""
    params, required = [], []
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind is param.POSITIONAL_ONLY:
            raise RegistrationError(
                f"{function.__qualname__}: positional-only parameters cannot be"
                " passed by name"
            )
        params.append(param.name)
        if param.default is param.empty:
            required.append(param.name)
    return params, required
