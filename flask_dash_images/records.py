"""What an image callback asked for, recorded at decoration.

``images.callback`` and ``image_callback`` only record: the generator's spec,
Dash's own dependency objects and the Dash options. Nothing about any Dash app
is decided here. The Dash side (:mod:`.dash`) reads the records when each Dash
app sets up, and binds those meant for it, with that app's configuration.
"""

from __future__ import annotations

import dataclasses
import typing as t
import weakref

from dash.dependencies import Input, Output, State

from .core import templates
from .core.registry import same_code
from .exceptions import ConfigurationError, RegistrationError

if t.TYPE_CHECKING:
    from .core.spec import ImageSpec

__all__ = ["DashCallback", "check_alt", "check_dependencies", "check_signable"]


@dataclasses.dataclass(frozen=True, eq=False)
class DashCallback:
    """One image callback, as recorded.

    :param spec: its generator.
    :param output: ``Output(component_id, "src")``.
    :param inputs_and_states: Dash ``Input`` and ``State`` objects, in order.
    :param dash_app: a weak reference to the one Dash app it is for
        (``image_callback``), or ``None``: every Dash app on a server set up
        with the extension (``images.callback``).
    :param clientside: ``True``/``False`` as asked; ``None``: decided per Dash
        app (in the browser unless that app signs Dash URLs).
    :param allow_none: an ``Input`` of ``None`` still calls the generator.
    :param prevent_initial_call: passed on to Dash.
    :param alt: the image's ``alt`` text, or a template over the generator's
        parameter names (``"Line to ({x}, {y})"``); ``None``: left as it is.
    :param export_button: with ``export=``, the picture shows the built-in
        download control.
    """

    spec: ImageSpec
    output: Output
    inputs_and_states: tuple[Input | State, ...]
    dash_app: weakref.ref[t.Any] | None
    clientside: bool | None
    allow_none: bool
    prevent_initial_call: bool | None
    alt: str | None = None
    export_button: bool = True

    def target(self) -> t.Any:
        """The one Dash app it is for (``None``: every Dash app)."""
        return None if self.dash_app is None else self.dash_app()

    def gone(self) -> bool:
        """Whether the one Dash app it was for has been collected."""
        return self.dash_app is not None and self.dash_app() is None

    def same_callback(self, other: DashCallback) -> bool:
        """Whether ``other`` asks for the same callback on the same Dash
        apps (its generator may be another function object of the same
        code)."""
        return (
            same_code(self.spec, other.spec)
            and self.target() is other.target()
            and str(self.output) == str(other.output)
            and _dependencies(self) == _dependencies(other)
            and (self.clientside, self.allow_none, self.prevent_initial_call)
            == (other.clientside, other.allow_none, other.prevent_initial_call)
            and self.alt == other.alt
            and self.export_button == other.export_button
        )

    def is_for(self, dash_app: object) -> bool:
        """Whether ``dash_app`` (on a server set up with the extension that
        holds this record) gets this callback."""
        return self.dash_app is None or self.dash_app() is dash_app


def _dependencies(record: DashCallback) -> list[tuple[str, str]]:
    return [(type(d).__name__, str(d)) for d in record.inputs_and_states]


def check_dependencies(output: t.Any, inputs_and_states: t.Sequence[t.Any]) -> None:
    """One ``Output(..., "src")``, then ``Input`` and ``State`` objects.

    :raises RegistrationError: saying what is wrong.
    """
    if not isinstance(output, Output):
        what = (
            "a list of Outputs" if isinstance(output, (list, tuple)) else repr(output)
        )
        raise RegistrationError(
            f"an image callback takes exactly one Output(..., 'src') first, not {what}"
        )
    if output.component_property != "src":
        raise RegistrationError(
            f"an image callback sets an image's 'src', not {str(output)!r}"
        )
    for dependency in inputs_and_states:
        if isinstance(dependency, Output):
            raise RegistrationError(
                f"an image callback has exactly one Output; {dependency!r} is another"
            )
        if not isinstance(dependency, (Input, State)):
            raise RegistrationError(
                f"{dependency!r} is not an Input or a State; pass them one by one,"
                " after the Output"
            )


def check_alt(alt: object, params: t.Sequence[str], label: str) -> None:
    """``alt`` is ``None``, or text whose ``{names}`` are the generator's
    parameters.

    :raises RegistrationError: saying which name is unknown.
    """
    if alt is not None:
        templates.check(alt, params, label, "alt")


def check_signable(record: DashCallback, app_name: str) -> None:
    """Browser-built URLs cannot be signed: refuse ``clientside=True`` where
    an app signs Dash URLs.

    :raises ConfigurationError: naming the generator and the app.
    """
    if record.clientside:
        raise ConfigurationError(
            f"{record.spec.label}: clientside=True builds its URLs in the"
            " browser, which cannot sign them, but the app"
            f" {app_name!r} signs Dash image URLs (DASH_IMAGES_SIGN = True);"
            " leave clientside out (each app then decides) or pass"
            " clientside=False"
        )
