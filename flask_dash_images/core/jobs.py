"""A render job: a generator call and the encoding of its result, wherever
it runs (see :mod:`.workers`)."""

from __future__ import annotations

import time
import typing as t

from . import coordinates, export, render

__all__ = ["Job", "Result", "run_job"]

#: What a job gives back: the encoded bytes, its coordinate map (JSON, for
#: a job with ``coordinates``), and the seconds the generator and the
#: encoding took.
Result = tuple[bytes, "str | None", float, float]


class Job(t.NamedTuple):
    """One render: ``function(*args, **kwargs)``, encoded as ``fmt``, or,
    with ``download``, as that download (see :mod:`.export`): ``fmt`` is
    then one of :data:`.export.EXPORTS` and ``download`` the export scale.

    On its way to a worker process, ``function`` is a
    :class:`~.references.Reference` to it (or the object, pickled).
    """

    function: t.Any
    args: tuple[t.Any, ...]
    kwargs: dict[str, t.Any]
    fmt: str
    options: t.Mapping[str, t.Any]
    max_pixels: int
    coordinates: bool = False
    download: float | None = None
    #: Draw for the coordinate map alone (a map request): nothing encoded.
    map_only: bool = False


def run_job(job: Job) -> Result:
    """Call the generator and encode its result (with its coordinate map, if
    the job asks), timing both."""
    started = time.perf_counter()
    result = job.function(*job.args, **job.kwargs)
    called = time.perf_counter()
    if job.download is not None:
        data = export.encode_export(
            result, job.fmt, job.options, job.max_pixels, job.download
        )
        return data, None, called - started, time.perf_counter() - called
    fmt = render.FORMATS[job.fmt]
    found: str | None = None
    if job.map_only:
        found = coordinates.map_alone(result, fmt, job.max_pixels)
        return b"", found, called - started, time.perf_counter() - called
    if job.coordinates:
        data, found = coordinates.encode_with_map(
            result, fmt, job.options, job.max_pixels
        )
    else:
        data = render.encode(result, fmt, job.options, job.max_pixels)
    return data, found, called - started, time.perf_counter() - called
