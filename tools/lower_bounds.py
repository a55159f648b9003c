"""Print pip constraints pinning each install requirement to its lower bound.

`make test-min` installs with these, so the bounds in setup.cfg are the
versions the suite really ran against.
"""

from __future__ import annotations

import configparser
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    for line in config["options"]["install_requires"].strip().splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([^,;\s]+)\s*", line)
        if match is None:
            raise SystemExit(f"setup.cfg: no plain lower bound in {line!r}")
        print(f"{match.group(1)}=={match.group(2)}")


if __name__ == "__main__":
    main()
