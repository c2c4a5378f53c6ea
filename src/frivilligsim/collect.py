"""``python -m frivilligsim.collect <sweep dir>``: the documented command for gathering a sweep.

The work is :mod:`frivilligsim.workflow.collect`; this module is only its short entry point.
"""

from frivilligsim.workflow.collect import main

if __name__ == "__main__":
    raise SystemExit(main())
