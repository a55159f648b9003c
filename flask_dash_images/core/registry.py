"""What one generator is (:class:`ImageSpec`), the guid rule, and the registry."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import inspect
import os
import re
import sys
import typing as t

from werkzeug.http import quote_etag

from ..exceptions import RegistrationError
from . import export as downloads
from . import render, sizes, templates, urls, vector

__all__ = [
    "ImageSpec",
    "Registry",
    "check_callable",
    "check_same_code",
    "label_of",
    "keyword_params",
    "make_guid",
    "positional_params",
    "same_code",
]

_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")

#: The keyword argument that tells a ``hidpi=True`` generator its scale, and
#: a ``responsive=True`` one the device pixel ratio.
SCALE = "scale"
#: The keyword arguments that tell a ``responsive=True`` generator its box,
#: in device pixels.
WIDTH, HEIGHT = "width", "height"

#: The decorators' options that configure an :class:`ImageSpec`; every other
#: keyword argument of a decorator is a Pillow encoder option.
SPEC_OPTIONS = frozenset(
    {
        "format",
        "deterministic",
        "max_age",
        "public",
        "version",
        "cache_timeout",
        "hidpi",
        "responsive",
        "allow_none",
        "events",
        "preview",
        "export",
        "export_scale",
        "filename",
    }
)

#: The options only Dash image callbacks take.
DASH_OPTIONS = frozenset(
    {
        "clientside",
        "hidpi",
        "responsive",
        "allow_none",
        "events",
        "preview",
        "alt",
        "export_button",
    }
)

#: The pointer events an image may report (``events=``): at most one brush,
#: and not with "pan" (both are a drag on the picture).
EVENTS = ("click", "dblclick", "hover", "brush", "brush-x", "brush-y", "wheel", "pan")
#: The events that move the view, which ``preview=`` shows at once.
MOVES = frozenset({"brush", "brush-x", "brush-y", "wheel", "pan"})

#: The format option that picks a format per request from the Accept header.
AUTO = "auto"


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """One registered generator and how its pictures are served.

    :param guid: the stable id in the URL, see :func:`make_guid`.
    :param function: the generator.
    :param label: how messages name the generator.
    :param params: the query parameter names, in the generator's order.
    :param required: the parameters a URL must carry (the others have defaults).
    :param keywords: call the generator with keyword arguments (plain Flask)
        rather than positionally (Dash).
    :param format: a format name from :data:`render.FORMATS`, or ``"auto"``.
    :param encoder_options: passed to Pillow's ``Image.save``.
    :param deterministic: the picture depends only on the URL, so the ETag
        comes from the URL and caches may keep the picture.
    :param max_age: seconds a browser may use the picture without asking.
    :param public: shared caches (proxies, CDNs) may keep the picture.
    :param version: goes into the URL, so new drawing code gets new URLs.
    :param cache_timeout: seconds in the server cache (``None``: the cache's
        default, ``0``: no expiry); ``False`` keeps this generator out of it.
    :param hidpi: the last parameter is ``scale`` (1 or 2), passed by keyword.
    :param responsive: the last parameters are ``width`` and ``height``
        (device pixels; ``height`` may be ``None``) and ``scale`` (the device
        pixel ratio), passed by keyword.
    :param allow_none: a Dash ``Input`` whose value is ``None`` still calls
        the generator (by default the picture is left as it is).
    :param events: the pointer events its image reports (:data:`EVENTS`);
        with any, each picture carries its coordinate map.
    :param preview: its page shows the expected next view at once after a
        wheel, pan or brush (:data:`MOVES`), the current picture moved,
        until the next picture has loaded; ``None``: whenever it reports
        one of them (see :attr:`previews`).
    :param export: the formats its picture may also be downloaded as
        (:data:`.export.EXPORTS`).
    :param export_scale: how many times larger raster downloads are drawn.
    :param filename: the download's file name, or a template over the
        parameter names; ``None``: the picture's name.
    :param name: the ``name=`` it was given, if any (then its guid).
    """

    guid: str
    function: t.Callable[..., t.Any]
    label: str
    params: tuple[str, ...]
    required: frozenset[str]
    keywords: bool
    format: str = "png"
    encoder_options: t.Mapping[str, t.Any] = dataclasses.field(default_factory=dict)
    deterministic: bool = False
    max_age: int | None = None
    public: bool = False
    version: str | None = None
    cache_timeout: int | t.Literal[False] | None = None
    hidpi: bool = False
    responsive: bool = False
    allow_none: bool = False
    events: tuple[str, ...] = ()
    preview: bool | None = None
    export: tuple[str, ...] = ()
    export_scale: float = 1
    filename: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.format != AUTO and self.format not in render.available_formats():
            known = ", ".join([*render.available_formats(), AUTO])
            why = (
                "Pillow here cannot write it"
                if self.format in render.FORMATS
                else "it is not a format this extension knows"
            )
            raise RegistrationError(
                f"{self.label}: format={self.format!r}: {why}; use one of {known}"
            )
        if self.max_age is not None and not _is_seconds(self.max_age):
            raise RegistrationError(
                f"{self.label}: max_age must be a whole number of seconds"
            )
        if self.version is not None and not _NAME.fullmatch(self.version):
            raise RegistrationError(
                f"{self.label}: version={self.version!r}: use 1 to 64 letters,"
                " digits, '_' or '-'"
            )
        if self.cache_timeout not in (None, False) and not _is_seconds(
            self.cache_timeout
        ):
            raise RegistrationError(
                f"{self.label}: cache_timeout must be seconds, None or False"
            )
        if self.responsive and self.hidpi:
            raise RegistrationError(
                f"{self.label}: responsive=True already draws in device pixels"
                " (the screen's full resolution); hidpi=True would ask for twice"
                " that: leave hidpi out"
            )
        unknown = [e for e in self.events if e not in EVENTS]
        brushes = [e for e in self.events if e.startswith("brush")]
        if unknown or len(brushes) > 1 or len(set(self.events)) != len(self.events):
            raise RegistrationError(
                f"{self.label}: events={self.events!r}: name each once, from"
                f" {', '.join(map(repr, EVENTS))}, with at most one brush"
            )
        if "pan" in self.events and brushes:
            raise RegistrationError(
                f"{self.label}: events={self.events!r}: 'pan' and {brushes[0]!r}"
                " both drag on the picture, so one of them could never happen;"
                " choose one (a figure that pans zooms with 'wheel')"
            )
        if self.preview is not None and not isinstance(self.preview, bool):
            raise RegistrationError(
                f"{self.label}: preview must be True or False, not {self.preview!r}"
            )
        if self.preview and not MOVES.intersection(self.events):
            raise RegistrationError(
                f"{self.label}: preview=True shows the view that a wheel, pan"
                f" or brush moves to, and events={self.events!r} has none:"
                " nothing to preview; add one of them to events, or leave"
                " preview out"
            )
        if len(set(self.params)) != len(self.params):
            raise RegistrationError(
                f"{self.label}: parameter names {self.params} repeat a name"
                " (with hidpi=True, 'scale' is taken; with responsive=True,"
                " 'width' and 'height')"
            )
        downloads.check_options(
            self.export,
            self.export_scale,
            self.filename,
            self.params,
            self.label,
            _return_annotation(self.function),
        )
        for param in self.params:
            if param in urls.RESERVED:
                raise RegistrationError(
                    f"{self.label}: parameter name {param!r} is reserved; rename it"
                )
        self._check_encoder_options()

    def _check_encoder_options(self) -> None:
        # Pillow ignores keywords it does not read: a typo would pass unseen.
        names = (
            [render.FORMATS["png"].name, *render.AUTO_PREFERENCE]
            if self.format == AUTO
            else [self.format]
        )
        known = frozenset().union(*(render.FORMATS[n].options for n in names))
        for option in self.encoder_options:
            if option in known:
                continue
            close = difflib.get_close_matches(option, [*SPEC_OPTIONS, *known], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RegistrationError(
                f"{self.label}: unknown option {option!r}{hint}; the options are"
                f" {', '.join(sorted(SPEC_OPTIONS))}, and for format="
                f"{self.format!r} Pillow's {', '.join(sorted(known))}"
            )

    def download_name(self, values: t.Mapping[str, t.Any]) -> str:
        """The file name of a download for ``values``, without extension
        (a parameter the URL left out has its default)."""
        return downloads.file_name(
            self._filename_parts, self._default_name, {**self._defaults, **values}
        )

    @functools.cached_property
    def _defaults(self) -> dict[str, t.Any]:
        try:
            parameters = inspect.signature(self.function).parameters.values()
        except (TypeError, ValueError):
            return {}
        return {p.name: p.default for p in parameters if p.default is not p.empty}

    @functools.cached_property
    def _filename_parts(self) -> templates.Parts | None:
        return None if self.filename is None else templates.parts(self.filename)

    @functools.cached_property
    def _default_name(self) -> str:
        # name=..., or the function's own name rather than the digest.
        return self.name or getattr(self.function, "__name__", "") or self.guid

    @property
    def previews(self) -> bool:
        """Whether its page shows the next view at once (``preview=``, by
        default where an event moves the view)."""
        if self.preview is None:
            return bool(MOVES.intersection(self.events))
        return self.preview

    @property
    def extension(self) -> str:
        """The file extension in the URL: the format's name."""
        return self.format

    @functools.cached_property
    def _fixed_headers(self) -> tuple[tuple[str, str], ...]:
        # The same for every picture of this generator: worked out once.
        cache_control = ["public" if self.public else "private"]
        cache_control.append(
            "no-cache" if self.max_age is None else f"max-age={self.max_age}"
        )
        return (("Cache-Control", ", ".join(cache_control)), *self._other_headers)

    @functools.cached_property
    def _other_headers(self) -> tuple[tuple[str, str], ...]:
        headers = [("X-Content-Type-Options", "nosniff")]
        if self.format == AUTO:
            headers.append(("Vary", "Accept"))
        if self.format == "svg":
            headers.extend(vector.SECURITY_HEADERS)
        return tuple(headers)

    def headers(self, etag: str, store: bool = True) -> list[tuple[str, str]]:
        """The HTTP headers of a picture (or a 304) with this ETag.

        :param store: caches may keep it; ``False`` (a URL of another
            version than the server's) sends ``no-store``.
        """
        if store:
            return [("ETag", quote_etag(etag)), *self._fixed_headers]
        return [
            ("ETag", quote_etag(etag)),
            ("Cache-Control", "no-store"),
            *self._other_headers,
        ]

    @property
    def cached(self) -> bool:
        """Whether a server cache may keep this generator's pictures."""
        return self.deterministic and self.cache_timeout is not False

    @functools.cached_property
    def _keyword_params(self) -> tuple[str, ...]:
        # The Dash generator's parameters that the extension adds, by keyword.
        return (WIDTH, HEIGHT) * self.responsive + (SCALE,) * (
            self.hidpi or self.responsive
        )

    @property
    def value_params(self) -> tuple[str, ...]:
        """The parameters that carry the Dash dependencies' values (the
        others, ``width``, ``height`` and ``scale``, the extension adds)."""
        return self.params[: len(self.params) - len(self._keyword_params)]

    def check(self, values: t.Mapping[str, t.Any], max_pixels: int) -> None:
        """Refuse what a URL asks for before anything waits or draws: the
        sizes the extension adds (see :mod:`.sizes`).

        :raises BadParameter: ``scale`` is not 1 or 2 (hidpi); the box is off
            the browser's grid, or over ``max_pixels`` (responsive).
        """
        if self.hidpi:
            sizes.check_hidpi_scale(values[SCALE])
        elif self.responsive:
            sizes.check_box(values[WIDTH], values[HEIGHT], values[SCALE], max_pixels)

    def arguments(
        self, values: t.Mapping[str, t.Any]
    ) -> tuple[tuple[t.Any, ...], dict[str, t.Any]]:
        """The generator's positional and keyword arguments for decoded
        values (checked by :meth:`check`)."""
        if self.keywords:
            return (), dict(values)
        extra = self._keyword_params
        positional = tuple(values[name] for name in self.value_params)
        return positional, {name: values[name] for name in extra}


def _return_annotation(function: t.Callable[..., t.Any]) -> object:
    try:
        return inspect.signature(function).return_annotation
    except (TypeError, ValueError):
        return None


def _is_seconds(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def make_guid(function: t.Callable[..., t.Any], key: str, name: str | None) -> str:
    """The generator's id in URLs: the same code gives the same id everywhere.

    An explicit ``name`` is the id itself. Otherwise the id is a digest of the
    function's module and qualified name and ``key`` (for a Dash callback, its
    output), so it survives restarts and is the same in every worker and host.
    A script's module is named as an import would name it, so that
    ``python app.py`` and ``gunicorn app:server`` agree.
    """
    if name is not None:
        if not _NAME.fullmatch(name):
            raise RegistrationError(
                f"name={name!r}: use 1 to 64 letters, digits, '_' or '-'"
            )
        return name
    qualname = getattr(function, "__qualname__", None)
    if qualname is None:
        raise RegistrationError(
            f"{label_of(function)} has no qualified name to derive its id from;"
            " give it name='...'"
        )
    module = function.__module__
    if module == "__main__":
        module = _main_module_name()
    qualified = f"{module}.{qualname}\0{key}"
    return hashlib.blake2b(qualified.encode("utf-8"), digest_size=10).hexdigest()


def label_of(function: t.Callable[..., t.Any]) -> str:
    """How messages name a generator: ``module.qualified_name``, or, for a
    callable object that is no function (a :func:`functools.partial`), its
    type's, with the function it wraps."""
    qualname = getattr(function, "__qualname__", None)
    if qualname is not None:
        return f"{function.__module__}.{qualname}"
    kind = type(function)
    wrapped = getattr(function, "func", None)
    inner = f"({label_of(wrapped)})" if callable(wrapped) else ""
    return f"{kind.__module__}.{kind.__qualname__}{inner}"


def _main_module_name() -> str:
    """The name ``__main__`` has when imported: ``python -m pkg.app`` runs
    ``pkg.app``, ``python app.py`` runs ``app``."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name:
        return str(spec.name)
    path = getattr(main, "__file__", None)
    return os.path.splitext(os.path.basename(path))[0] if path else "__main__"


def positional_params(function: t.Callable[..., t.Any], count: int) -> list[str]:
    """Query names for ``count`` positional values: the function's own
    parameter names where it has them, else ``arg0``, ``arg1``, ..."""
    names = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(names) >= count:
        return names[:count]
    return [f"arg{i}" for i in range(count)]


def check_callable(
    function: t.Callable[..., t.Any],
    label: str,
    positional: int,
    keywords: t.Sequence[str],
    why: str,
) -> None:
    """Refuse, at decoration, a generator that cannot take what it will be
    called with: ``positional`` values, then ``keywords`` by name.

    :param why: what passes the keywords (``"hidpi=True"``), for the message.
    :raises RegistrationError: naming the function and what does not fit.
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return  # a builtin or C function without a signature: nothing to check
    try:
        signature.bind(*range(positional), **dict.fromkeys(keywords))
    except TypeError as error:
        passed = f"{positional} value(s), one per Input and State"
        if keywords:
            passed += f", and {', '.join(f'{k}=' for k in keywords)} ({why})"
        raise RegistrationError(
            f"{label}{signature} cannot take what its image callback passes it"
            f" ({passed}): {error}"
        ) from None


def keyword_params(function: t.Callable[..., t.Any]) -> tuple[list[str], list[str]]:
    """A plain generator's parameter names, and which of them are required."""
    params, required = [], []
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind is param.POSITIONAL_ONLY:
            raise RegistrationError(
                f"{label_of(function)}: positional-only parameters cannot be"
                " passed by name"
            )
        params.append(param.name)
        if param.default is param.empty:
            required.append(param.name)
    return params, required


class Registry:
    """The newest spec of every generator decorated for all apps, by guid:
    plain generators and ``images.callback``'s (an app set up later takes
    these). Which function draws an app's pictures is that app's to say
    (:class:`~flask_dash_images.state.AppState`): a factory may bind another
    function of the same code to each app."""

    def __init__(self) -> None:
        self._by_guid: dict[str, ImageSpec] = {}
        self._owned: set[str] = set()

    def add(self, spec: ImageSpec, *, owned: bool) -> None:
        """Keep ``spec``, in the place of an older spec of the same code.

        :param owned: apps set up at its decoration took it as their own
            (an app set up later only borrows it, see :meth:`owned`).
        :raises RegistrationError: another generator (other code, or other
            options) has its guid.
        """
        existing = self._by_guid.get(spec.guid)
        if existing is not None:
            check_same_code(existing, spec)
        self._by_guid[spec.guid] = spec
        if owned:
            self._owned.add(spec.guid)
        else:
            self._owned.discard(spec.guid)

    def owned(self, guid: str) -> bool:
        """Whether the newest spec of ``guid`` is some app's own: apps set up
        at its decoration took it (a factory's closure for the app it just
        set up)."""
        return guid in self._owned

    def get(self, guid: str) -> ImageSpec | None:
        return self._by_guid.get(guid)

    def __iter__(self) -> t.Iterator[ImageSpec]:
        return iter(self._by_guid.values())

    def __len__(self) -> int:
        return len(self._by_guid)


def same_code(one: ImageSpec, other: ImageSpec) -> bool:
    """Whether two specs describe the same generator, perhaps as two
    function objects of one code (a factory's closures, a page module run
    again), with the same options."""
    code = getattr(one.function, "__code__", None)
    same_function = one.function is other.function
    if not same_function and (
        code is None or code != getattr(other.function, "__code__", None)
    ):
        return False
    return one == dataclasses.replace(other, function=one.function)


def check_same_code(existing: ImageSpec, spec: ImageSpec) -> None:
    """:raises RegistrationError: ``spec`` takes ``existing``'s guid but is
    another generator."""
    if not same_code(existing, spec):
        raise RegistrationError(
            f"{spec.label}: another generator ({existing.label}) already"
            f" has the id {spec.guid!r}; give one of them name='...'"
        )
