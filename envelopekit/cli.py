"""The ``envelopekit`` command: :func:`main`, and how a failure reaches the user.

Every failure the user can fix is one line on stderr and a non-zero exit:
1 for a failed run, 2 for a batch in which some records were rejected. A bug of
ours is one line too, with the traceback only under ``ENVELOPEKIT_DEBUG``; SIGTERM
ends a run the way Ctrl-C does. The arguments are parsed in
:mod:`envelopekit.cli_parser` (the only module that parses them) and each
subcommand is run by its handler in :mod:`envelopekit.cli_commands`.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from .cli_commands import EXIT_FAIL, EXIT_OK
from .cli_commands import _today as _today  # the build's date: tests reach it here
from .cli_parser import build_parser as build_parser
from .errors import EnvelopekitError
from .terminal import printable

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_FAIL
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return int(args.func(args))
    except EnvelopekitError as exc:
        print(f"envelopekit: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt as exc:
        print("envelopekit: interrupted", file=sys.stderr)
        for note in getattr(exc, "__notes__", ()):
            print(f"envelopekit: {note}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        # os.replace(tmp, final) reports the temporary name first: name the file the user asked for.
        name = exc.filename2 or exc.filename or ""
        text = printable(f"{exc.strerror or exc}: {name}".rstrip(": "))
        print(f"envelopekit: error: {text}", file=sys.stderr)
        for note in getattr(exc, "__notes__", ()):
            print(f"envelopekit: {note}", file=sys.stderr)
        return EXIT_FAIL
    except Exception as exc:  # a bug of ours: say so in one line, trace only on request
        if os.environ.get("ENVELOPEKIT_DEBUG"):
            raise
        print(
            f"envelopekit: internal error: {type(exc).__name__}: {printable(str(exc))} "
            "(please report it; set ENVELOPEKIT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAIL
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminated(signum: int, frame: object) -> NoReturn:
    """SIGTERM ends a build the way Ctrl-C does: the output folder is left consistent."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
