"""Counter-based random streams: every draw is a pure function of (seed, entity, time, purpose).

Owns the only source of randomness in the model. There is no generator state to advance, so a
draw never depends on how many draws came before it, on the thread that makes it, or on the
process that runs it. Two policies run with the same seed therefore see the same numbers
(common random numbers), and adding one agent changes no other agent's draws.

Must not: keep state, or be bypassed (no ``np.random`` anywhere in the behaviour).

The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied in a chain over the
key words. It passes BigCrush as a counter-based generator when keys differ in any word.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from llvmlite import ir
from numba import int64, njit, types, uint64
from numba.core.extending import intrinsic

from frivilligsim.errors import ConfigError

# Purposes: one stream per decision. Append new purposes at the end; never renumber.
DEATH = 1
OUT_MIGRATION = 2
BIRTH = 3
BIRTH_SEX = 4
IN_MIGRATION_COUNT = 5
IN_MIGRATION_AGE = 6
IN_MIGRATION_SEX = 7
RECRUIT = 8
DROPOUT = 9
RECRUIT_AREA = 10
RECRUIT_HOURS = 11
RECRUIT_CENTRE = 12
ORDER_COUNT = 13
ORDER_STATUTORY = 14
ORDER_DECLINE = 15
LEADER_TURNOVER = 16
INITIAL_VOLUNTEER = 17
INITIAL_MOTIVATION = 18
INITIAL_CENTRE = 19
INITIAL_AREA = 20
INITIAL_HOURS = 21
INITIAL_TENURE = 22
REGION_BUILD = 23
COCREATION_MEETING = 24
RECRUIT_THRESHOLD = 25  # a pool member's Exp(1) joining threshold, keyed by entry month
ORDER_TOLERANCE = 26
COCREATION_FAIL = 27

_GOLDEN = 0x9E3779B97F4A7C15
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(cache=True, inline="always")
def stream_key(seed, time, purpose):
    """The key of one decision's stream at one time step: (seed, time, purpose) -> 64 bits.

    Hot loops compute this once per step and then call :func:`draw` per entity.
    """
    h = _mix(uint64(seed) + uint64(_GOLDEN))
    h = _mix(h ^ (uint64(time) + uint64(0x632BE59BD9B4E019)))
    # The same 64 bits as a signed integer, so the key can pass through Python too.
    return int64(_mix(h ^ (uint64(purpose) + uint64(0x85157AF5))))


@njit(cache=True, inline="always")
def draw(stream, entity, sub=0):
    """A uniform in [0, 1) for ``entity`` (and sub-draw ``sub``) in a stream from stream_key.

    This is SplitMix64 with the stream as its seed and the entity as its counter, then one more
    round for the sub index, so entities never share a number within a stream.
    """
    h = _mix(uint64(stream) + uint64(entity) * uint64(_GOLDEN))
    h = _mix(h + uint64(sub) * uint64(0x2545F4914F6CDD1D))
    return float(h >> uint64(11)) * _TO_UNIT


@njit(cache=True, inline="always")
def exponential(stream, entity):
    """An Exp(1) draw for ``entity`` in a stream: ``-log(1 - u)`` of :func:`draw`'s uniform.

    ``1 - u`` is exact (``u`` is a multiple of 2**-53), and its logarithm is computed here in
    plain arithmetic (:func:`log_unit`) rather than by the platform's ``log1p``: the same bits
    on every machine and library, and loops over residents can vectorise it.
    """
    return -log_unit(1.0 - draw(stream, entity))


# fdlibm's e_log.c (Sun Microsystems, 1993): ln 2 in two parts, and the minimax coefficients of
# log(1 + f) = 2s + s R(s^2) with s = f / (2 + f); error below 1 ulp
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_MANTISSA = 0x000FFFFFFFFFFFFF
_EXPONENT_ONE = 0x3FF0000000000000
_HIGH_BIT = 0x0010000000000000
_TO_SQRT2 = 0x00095F6400000000  # added to a mantissa, carries into bit 52 at sqrt(2)


@intrinsic
def _bits(typingctx, x):
    """The 64 bits of a float64 as an int64 (no conversion)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _float_of_bits(typingctx, b):
    """The float64 whose 64 bits are the int64 ``b``."""
    if b != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(cache=True, inline="always")
def log_unit(x):
    """``log(x)`` for a normal float64 ``x`` in (0, 1] (fdlibm's method, without branches).

    ``x = 2^k (1 + f)`` with ``1 + f`` in [sqrt(2)/2, sqrt(2)); both of fdlibm's final
    formulas are computed and the more accurate one for ``f`` is taken.
    """
    hx = _bits(x)
    k = (hx >> 52) - 1023
    mantissa = hx & _MANTISSA
    halve = (mantissa + _TO_SQRT2) & _HIGH_BIT  # 1 + f would pass sqrt(2): use x / 2
    f = _float_of_bits(mantissa | (halve ^ _EXPONENT_ONE)) - 1.0
    k += halve >> 52
    s = np.divide(f, 2.0 + f)  # numpy's division: no zero test, so loops vectorise
    dk = float(k)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    high = mantissa >> 32  # fdlibm's choice of formula, from the high word of the mantissa
    hfsq = 0.5 * f * f
    near_sqrt2 = dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f)
    near_one = dk * _LN2_HI - ((s * (f - r) - dk * _LN2_LO) - f)
    return near_sqrt2 if ((high - 0x6147A) | (0x6B851 - high)) > 0 else near_one


@njit(cache=True, inline="always")
def uniform(seed, entity, time, purpose, sub=0):
    """A uniform draw in [0, 1) keyed by (seed, entity, time, purpose, sub)."""
    return draw(stream_key(seed, time, purpose), entity, sub)


@njit(cache=True)
def poisson(lam, seed, entity, time, purpose):
    """A Poisson(lam) count from one keyed uniform, by inversion (lam up to a few hundred)."""
    if lam <= 0.0:
        return 0
    u = uniform(seed, entity, time, purpose, 0)
    # Normal approximation above 500 keeps the loop bounded; still one keyed draw.
    if lam > 500.0:
        u2 = uniform(seed, entity, time, purpose, 1)
        z = np.sqrt(-2.0 * np.log(1.0 - u)) * np.cos(2.0 * np.pi * u2)
        k = int(np.floor(lam + np.sqrt(lam) * z + 0.5))
        return k if k > 0 else 0
    p = np.exp(-lam)
    cdf = p
    k = 0
    while u > cdf and k < 10000:
        k += 1
        p *= lam / k
        cdf += p
    return k


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate``: a function of the base seed and index only.

    Never derived from a worker, process or clock, so replicate r has the same numbers however
    a sweep is spread out. The result fits in a signed 63-bit integer (safe in parquet).
    """
    digest = hashlib.blake2b(f"{int(base_seed)}:{int(replicate)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


def stable_id(text: str) -> int:
    """A stable 62-bit integer for a name (used to key draws by, e.g., municipality code)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x3FFF_FFFF_FFFF_FFFF


# ---- municipality keys ------------------------------------------------------------------------


def municipality_key(code: str) -> int:
    """The stable integer key of a municipality code: its digits (``"1812"`` -> 1812,
    ``"S017"`` -> 17). Resident ids and municipal draws are keyed by it."""
    digits = re.sub(r"\D", "", str(code))
    if not digits or int(digits) <= 0 or int(digits) >= 2**30:
        raise ConfigError(f"municipality code {code!r} has no usable number in it")
    return int(digits)


def municipality_keys(codes) -> np.ndarray:
    """int64 keys of municipality codes, in their order; two codes may not share a key."""
    keys = np.array([municipality_key(c) for c in codes], dtype=np.int64)
    if len(np.unique(keys)) != len(keys):
        raise ConfigError("two municipality codes in the region map to the same numeric key")
    return keys
