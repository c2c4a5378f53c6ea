"""frivilligsim: volunteer supply and welfare-service demand in rural Norway, to 2050.

An agent-based model of residents, volunteers, volunteer centres (frivilligsentraler) and
municipal service units, comparing co-creation (samskaping) with mobilisation through orders
(bestillinger). See README.md and docs/ODD.md.

The plain-function form of the model::

    import frivilligsim
    results = frivilligsim.run(["experiment=smoke"], seed=1)
"""

__version__ = "0.1.0"

from frivilligsim.core.compiled_cache import drop_stale_compiled_code  # noqa: E402

drop_stale_compiled_code()  # before any compiled engine function is loaded (see its module)


def run(config=None, seed=None):
    """Run the model and return its yearly results table (see :func:`frivilligsim.simulation.runner.run`)."""
    from frivilligsim.simulation.runner import run as _run

    return _run(config, seed)


__all__ = ["__version__", "run"]
