"""What one generator is (:class:`ImageSpec`), the guid rule, and the registry."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import typing as t

from .exceptions import RegistrationError
from .urls import RESERVED

__all__ = ["ImageSpec", "Registry", "make_guid"]

_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


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
    :param format: the picture format.
    """

    guid: str
    function: t.Callable[..., t.Any]
    label: str
    params: tuple[str, ...]
    required: frozenset[str]
    keywords: bool
    format: str = "png"

    @property
    def extension(self) -> str:
        return self.format

    def call(self, values: t.Mapping[str, t.Any]) -> t.Any:
        """Call the generator with decoded values."""
        if self.keywords:
            return self.function(**values)
        return self.function(*(values[name] for name in self.params))


def make_guid(function: t.Callable[..., t.Any], key: str, name: str | None) -> str:
    """The generator's id in URLs: the same code gives the same id everywhere.

    An explicit ``name`` is the id itself. Otherwise the id is a digest of the
    function's module and qualified name and ``key`` (for a Dash callback, its
    output), so it survives restarts and is the same in every worker and host.
    """
    if name is not None:
        if not _NAME.fullmatch(name):
            raise RegistrationError(
                f"name={name!r}: use 1 to 64 letters, digits, '_' or '-'"
            )
        return name
    qualified = f"{function.__module__}.{function.__qualname__}\0{key}"
    return hashlib.blake2b(qualified.encode("utf-8"), digest_size=10).hexdigest()


def check_params(label: str, params: t.Sequence[str]) -> None:
    for param in params:
        if param in RESERVED:
            raise RegistrationError(
                f"{label}: parameter name {param!r} is reserved; rename it"
            )


class Registry:
    """Every generator the extension knows, by guid and by function."""

    def __init__(self) -> None:
        self._by_guid: dict[str, ImageSpec] = {}
        self._by_function: dict[t.Callable[..., t.Any], list[ImageSpec]] = {}

    def add(self, spec: ImageSpec) -> None:
        existing = self._by_guid.get(spec.guid)
        if existing is not None:
            raise RegistrationError(
                f"{spec.label}: another generator ({existing.label}) already"
                f" has the id {spec.guid!r}; give one of them name='...'"
            )
        check_params(spec.label, spec.params)
        self._by_guid[spec.guid] = spec
        self._by_function.setdefault(spec.function, []).append(spec)

    def get(self, guid: str) -> ImageSpec | None:
        return self._by_guid.get(guid)

    def find(self, name_or_function: str | t.Callable[..., t.Any]) -> ImageSpec:
        """The spec for a generator name (its guid) or function.

        :raises LookupError: nothing, or more than one spec, matches.
        """
        if isinstance(name_or_function, str):
            spec = self._by_guid.get(name_or_function)
            if spec is None:
                raise LookupError(f"no image generator named {name_or_function!r}")
            return spec
        specs = self._by_function.get(name_or_function, [])
        if len(specs) != 1:
            what = "is not registered" if not specs else "is registered more than once"
            raise LookupError(
                f"{getattr(name_or_function, '__qualname__', name_or_function)} {what};"
                " look it up by name"
            )
        return specs[0]

    def __iter__(self) -> t.Iterator[ImageSpec]:
        return iter(self._by_guid.values())

    def __len__(self) -> int:
        return len(self._by_guid)
