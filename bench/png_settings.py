"""7. PNG settings: encoding time against bytes, for compress_level 0..9,
``optimize=True``, and level 1 with zlib's run-length strategy
(``compress_type=3``, which Pillow passes to zlib but does not document), on
the benchmark pictures.

To weigh time against bytes, the table adds the time to send the bytes at
10 and 100 Mbit/s: encode + send is what a user waits for, encode alone is
what the server's CPU pays.
"""

from __future__ import annotations

import functools
import typing as t

from . import common, pictures

PICTURES: dict[str, t.Callable[[], t.Any]] = {
    "line 200x200": functools.partial(pictures.line, 120, 80),
    "line 1024x768": functools.partial(pictures.line, 120, 80, 1024, 768),
    "fractal 400x300": pictures.fractal,
    "chart 640x480": pictures.chart,
}
SETTINGS: dict[str, dict[str, t.Any]] = {
    **{f"level {n}": {"compress_level": n} for n in range(10)},
    "optimize": {"optimize": True},
    "level 1 + RLE": {"compress_level": 1, "compress_type": 3},
}
# The library's default, which must be one of the settings.
CURRENT = next(
    (name for name, options in SETTINGS.items() if options == pictures.PNG_OPTIONS),
    f"{pictures.PNG_OPTIONS}",
)
LINKS = {"10 Mbit/s": 10e6 / 8, "100 Mbit/s": 100e6 / 8}  # bytes per second


def run(quick: bool) -> common.Report:
    """PNG encoding time vs bytes for compress_level 0..9 and optimize."""
    if CURRENT not in SETTINGS:
        raise AssertionError(f"the library's PNG default {CURRENT!r} is not measured")
    sections, notes = [], []
    for label, make in PICTURES.items():
        image = make()
        settings = {k: SETTINGS[k] for k in (CURRENT, "level 6")} if quick else SETTINGS
        size = {name: len(pictures.png(image, o)) for name, o in settings.items()}
        samples = common.interleave(
            {
                name: functools.partial(pictures.png, image, options)
                for name, options in settings.items()
            },
            rounds=3 if quick else 15,
            batch_seconds=0.01,
            budget=2 if quick else 10,
            clock=common.CPU,
        )
        time = {name: common.median(values) for name, values in samples.items()}
        total = {
            link: {name: time[name] + size[name] / rate for name in settings}
            for link, rate in LINKS.items()
        }
        rows = [
            [
                name,
                common.ms(time[name]),
                common.ms(common.p90(samples[name])),
                size[name],
                f"{common.median(common.ratios(samples, name, CURRENT)):.2f}",
                f"{size[name] / size[CURRENT]:.2f}",
                *(common.ms(total[link][name]) for link in LINKS),
            ]
            for name in settings
        ]
        headers = ["setting", "encode ms", "p90 ms", "bytes", f"time / {CURRENT}"]
        headers += [f"bytes / {CURRENT}", *(f"+ send {link} ms" for link in LINKS)]
        sections.append(
            f"{label} ({image.mode}), {len(samples[CURRENT])} rounds\n\n"
            + common.table(headers, rows)
        )
        best = {link: min(total[link].items(), key=_second) for link in LINKS}
        notes.append(
            (
                f"PNG {label}: the default ({CURRENT}) / the best setting, encode +"
                " send at"
                f" {' | '.join(LINKS)}",
                " | ".join(
                    f"{total[link][CURRENT] / best[link][1]:.2f}x ({best[link][0]})"
                    for link in LINKS
                ),
            )
        )
    return common.Report(
        "png_settings",
        "PNG settings: encoding time vs bytes",
        "\n\n".join(sections),
        notes=notes,
    )


def _second(pair: tuple[str, float]) -> float:
    return pair[1]


if __name__ == "__main__":
    common.main(run)
