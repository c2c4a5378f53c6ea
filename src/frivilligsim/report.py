"""``python -m frivilligsim.report <run dir> [--lang nb]``: the documented command for a report.

The work is :mod:`frivilligsim.output.report`; this module is only its short entry point.
"""

from frivilligsim.output.report import main

if __name__ == "__main__":
    raise SystemExit(main())
