"""The registry of generators decorated for all apps, and what makes two
specs the same generator."""

from __future__ import annotations

import dataclasses
import typing as t

from ..exceptions import RegistrationError

if t.TYPE_CHECKING:
    from .spec import ImageSpec

__all__ = ["Registry", "check_same_code", "same_code"]


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
