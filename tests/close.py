"""Two JSON objects compared as `grad --json` promises them: the same keys in the same order, the same shapes,
every number equal to 1e-12 (relative)."""

import math


def assert_close(mine, engine, where="JSON", same_types=True, abs_tol=1e-12):
    """``mine`` equals ``engine`` key by key and entry by entry; ``same_types`` also asks an int for an int."""
    if isinstance(engine, dict):
        assert isinstance(mine, dict) and list(mine) == list(engine), where
        for key in engine:
            assert_close(mine[key], engine[key], f"{where}.{key}", same_types, abs_tol)
    elif isinstance(engine, list):
        assert isinstance(mine, list) and len(mine) == len(engine), where
        for index, (m, e) in enumerate(zip(mine, engine)):
            assert_close(m, e, f"{where}[{index}]", same_types, abs_tol)
    else:
        assert not same_types or type(mine) is type(engine), f"{where}: {mine!r} is not a {type(engine).__name__}"
        assert math.isclose(mine, engine, rel_tol=1e-12, abs_tol=abs_tol), f"{where}: {mine} != {engine}"
