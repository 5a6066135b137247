"""``gradlab playground``: the playground's local web server, its page opened in the browser."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gradlab.cli import options
from gradlab.cli.main import UsageError

EXAMPLES = """\
examples:
  gradlab playground                       # a free port on 127.0.0.1, opened in the browser
  gradlab playground --port 8765 --no-browser
"""


def add_parser(subparsers: Any) -> None:
    """Register ``gradlab playground`` and its options."""
    parser = subparsers.add_parser(
        "playground",
        help="train small networks in the browser, every formula of a step shown",
        description=(
            "Start the playground: a local web page like TensorFlow Playground, computed by "
            "gradlab's engine, with every formula of a step and exact weights. It listens on "
            "the loopback address unless --host says otherwise; Ctrl+C stops it."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=options.seed, default=0, help="port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the browser")
    options.one_line_errors(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve the playground until interrupted; return the exit status."""
    try:
        from gradlab.playground.server import PlaygroundServer

        server = PlaygroundServer(args.host, args.port)
    except (ImportError, OSError, ValueError) as error:
        raise UsageError(" ".join(str(error).split())) from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: listening on {args.host}: other machines can reach the playground",
            file=sys.stderr,
        )
    print(f"gradlab playground: {server.url}  (Ctrl+C stops it)", flush=True)
    if not args.no_browser:
        import webbrowser

        webbrowser.open(server.url)
    server.serve()
    return 0
