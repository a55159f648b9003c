"""What one generator is and how its pictures are served (:class:`ImageSpec`),
and the options the decorators take."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import typing as t

from werkzeug.http import quote_etag

from ..exceptions import RegistrationError
from . import export as downloads
from . import render, sizes, templates, urls, vector
from .callables import NAME

__all__ = [
    "AUTO",
    "DASH_OPTIONS",
    "EVENTS",
    "HEIGHT",
    "MOVES",
    "SCALE",
    "SPEC_OPTIONS",
    "WIDTH",
    "ImageSpec",
]

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
        if self.version is not None and not NAME.fullmatch(self.version):
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
