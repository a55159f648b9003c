"""Print pip constraints pinning requirements to their lower bounds.

`make test-min` installs with these, so the bounds in setup.cfg are versions
the suite really ran against: every install requirement, and the optional
extras a user's code relies on (not the test and lint tools).
"""

from __future__ import annotations

import configparser
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTRAS = ("numpy", "matplotlib", "caching", "redis", "prometheus", "datashader")


def requirements() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in EXTRAS:
        lines += config["options.extras_require"][extra].splitlines()
    return [line.strip() for line in lines if line.strip()]


def main() -> None:
    pins = {}
    for line in requirements():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*>=\s*([^,;\s]+)", line)
        if match is None:
            raise SystemExit(f"setup.cfg: no plain lower bound in {line!r}")
        pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    print("\n".join(pins.values()))


if __name__ == "__main__":
    main()
