"""``fsopt``: a thin command line over :mod:`optimizer.api`.

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 no schedule could be made. The
parser is in :mod:`.arguments`, the handlers in :mod:`.commands`, what they print after
a plan in :mod:`.summaries`, the consoles and progress lines in :mod:`.terminal`.
"""

from __future__ import annotations

import traceback

from optimizer.cli import commands
from optimizer.cli.arguments import build_parser
from optimizer.cli.terminal import console
from optimizer.errors import OptimizerError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "out", None) is not None and args.command != "anonymise":
            # a folder that cannot be written fails now, not after a long solve
            from optimizer.outputs import check_folder

            check_folder(args.out)
        return commands.HANDLERS[args.command](args)
    except OptimizerError as exc:
        console.print("error:", str(exc), style="red", highlight=False, markup=False,
                      soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("interrupted")
        return 1
    except Exception:  # an internal error: show it, exit 1
        console.print(traceback.format_exc(), highlight=False, markup=False)
        return 1

