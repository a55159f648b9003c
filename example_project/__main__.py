"""Serve the gallery on werkzeug's development server: ``python -m example_project``."""

from __future__ import annotations

import argparse

from . import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m example_project", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=8050, help="default: %(default)s")
    parser.add_argument(
        "--debug", action="store_true", help="Flask's debug mode: reloader and debugger"
    )
    args = parser.parse_args(argv)
    create_app().run(host=args.host, port=args.port, debug=args.debug, threaded=True)


if __name__ == "__main__":
    main()
