"""The model's numpy random stream, drawn inside compiled kernels, to the bit.

A kernel that takes a :data:`Stream` draws from the same bit generator as ``model.rng``, in
the same order and with the same algorithms as numpy's ``Generator``: ``uniform`` is
``rng.random()`` (the bit generator's ``next_double``, called through the function pointer
numpy publishes in ``bit_generator.ctypes``), ``poisson`` is numpy's ``random_poisson``
(multiplication method below a mean of 10, Hörmann's transformed rejection above),
``integers`` is ``rng.integers`` (Lemire's method on 32-bit words), ``weighted_choice`` is
``rng.choice`` with probabilities, and ``shuffle`` is ``rng.shuffle`` (Fisher-Yates on
numpy's ``random_interval``); ``exponential``, ``standard_normals`` and ``gamma`` call
numpy's own C functions (``random_exponential``, ``random_standard_normal``,
``random_gamma``, which numpy's random module exports), as its ``Generator`` does. So a
kernel can make the draws it needs in the order the numpy code made them, without a trip
back to Python for each (and without numba's own ``Generator``, whose unboxing costs more
per call than most of the draws it would replace). The tests (tests/test_model_stream.py)
check every one against numpy.

A stream is eight addresses, valid while the generator lives (:func:`stream_of`); a copied
generator has its own. They are passed at run time, never compiled in: the kernels are
cached on disk, and another process has numpy's functions at other addresses.

numba's on-disk cache checks only a kernel's own file: after editing this module, delete
``dmi_sim/model/__pycache__`` (or touch ``kernels.py``), or the kernels that call it keep
the machine code of the old version.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic
from numpy.random import _generator

#: As ``dmi_sim.model.kernels.kernel`` (which builds on this module): compiled once, cached.
kernel = njit(cache=True, error_model="numpy")

#: Addresses, as int64: the bit generator's state, its ``next_double``, ``next_uint32``
#: and ``next_uint64`` functions, the bit generator itself (numpy's ``bitgen_t``), and
#: numpy's own ``random_exponential``, ``random_standard_normal`` and ``random_gamma``.
Stream = tuple[int, int, int, int, int, int, int, int]

#: The addresses of the functions of each kind of bit generator (one set per kind).
_FUNCTIONS: dict[type, tuple[int, int, int]] = {}

#: numpy's distributions, as its ``Generator`` calls them: the C functions its random
#: module exports (``numpy/random/src/distributions``), looked up once per process.
_numpy_random = ctypes.CDLL(_generator.__file__)
try:
    _DISTRIBUTIONS = tuple(
        ctypes.cast(getattr(_numpy_random, name), ctypes.c_void_p).value
        for name in ("random_exponential", "random_standard_normal", "random_gamma")
    )
except AttributeError as missing:  # not numpy's public API: its Linux builds export them
    raise ImportError(
        f"numpy {np.__version__}'s random module ({_generator.__file__}) does not export "
        f"its distributions ({missing}); dmi_sim's kernels need the numpy its "
        "pyproject.toml pins, on Linux"
    ) from missing


def stream_of(rng: np.random.Generator) -> Stream:
    """The stream of ``rng``'s bit generator: valid while ``rng`` lives (a copy of ``rng``
    has a stream of its own; ``DrugMarketModel`` takes it again when it is copied)."""
    bit_generator = rng.bit_generator
    interface = bit_generator.ctypes
    kind = type(bit_generator)
    if kind not in _FUNCTIONS:
        _FUNCTIONS[kind] = tuple(
            ctypes.cast(f, ctypes.c_void_p).value
            for f in (interface.next_double, interface.next_uint32, interface.next_uint64)
        )
    bitgen = ctypes.cast(interface.bit_generator, ctypes.c_void_p).value
    return (interface.state_address, *_FUNCTIONS[kind], bitgen, *_DISTRIBUTIONS)


def _caller(returns: ir.Type, numba_type: types.Type, doubles: int = 0):
    """An intrinsic calling the C function at address ``function`` on the pointer
    ``state`` and ``doubles`` (0, 1 or 2) float arguments, returning ``numba_type``."""

    def codegen(context, builder, signature, values):
        address, state_address, *rest = values
        byte_pointer = ir.IntType(8).as_pointer()
        kind = ir.FunctionType(returns, [byte_pointer] + [ir.DoubleType()] * doubles)
        callee = builder.inttoptr(address, kind.as_pointer())
        return builder.call(callee, [builder.inttoptr(state_address, byte_pointer), *rest])

    def typed():
        return numba_type(types.int64, types.int64, *[types.float64] * doubles), codegen

    def call(typingctx, function, state):
        return typed()

    def call_1(typingctx, function, state, a):
        return typed()

    def call_2(typingctx, function, state, a, b):
        return typed()

    return intrinsic((call, call_1, call_2)[doubles])


_next_double = _caller(ir.DoubleType(), types.float64)
_next_uint32 = _caller(ir.IntType(32), types.uint32)
_next_uint64 = _caller(ir.IntType(64), types.uint64)
_exponential = _caller(ir.DoubleType(), types.float64, 1)
_standard_normal = _caller(ir.DoubleType(), types.float64)
_gamma = _caller(ir.DoubleType(), types.float64, 2)


@kernel
def exponential(stream, scale) -> float:
    """One draw of ``rng.exponential(scale)`` (numpy's own ``random_exponential``)."""
    return _exponential(stream[5], stream[4], scale)


@kernel
def standard_normals(stream, n):
    """``rng.standard_normal(n)`` (numpy's own ``random_standard_normal``)."""
    out = np.empty(n)
    for i in range(n):
        out[i] = _standard_normal(stream[6], stream[4])
    return out


@kernel
def gamma(stream, shape, scale) -> float:
    """One draw of ``rng.gamma(shape, scale)`` (numpy's own ``random_gamma``)."""
    return _gamma(stream[7], stream[4], shape, scale)


@kernel
def uniform(stream) -> float:
    """One draw of ``rng.random()``."""
    return _next_double(stream[1], stream[0])


@kernel
def uniforms(stream, n):
    """``rng.random(n)``."""
    out = np.empty(n)
    for i in range(n):
        out[i] = _next_double(stream[1], stream[0])
    return out


@kernel
def random_interval(stream, maximum):
    """numpy's ``random_interval``: an integer in [0, maximum] by masked rejection, on
    32-bit draws while ``maximum`` fits in them (what ``rng.permutation`` draws)."""
    if maximum == 0:
        return 0
    top = np.uint64(maximum)
    mask = top
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> np.uint64(shift)
    if top <= np.uint64(0xFFFFFFFF):
        value = np.uint64(_next_uint32(stream[2], stream[0])) & mask
        while value > top:
            value = np.uint64(_next_uint32(stream[2], stream[0])) & mask
    else:
        value = _next_uint64(stream[3], stream[0]) & mask
        while value > top:
            value = _next_uint64(stream[3], stream[0]) & mask
    return np.int64(value)


@kernel
def shuffle(stream, values):
    """``rng.shuffle(values)`` of a 1-d array (in place): Fisher-Yates from the end."""
    for i in range(values.size - 1, 0, -1):
        j = random_interval(stream, i)
        values[i], values[j] = values[j], values[i]


@kernel
def _bounded_lemire(stream, top):
    """numpy's ``buffered_bounded_lemire_uint32``: an integer in [0, top] (top below
    2^32 - 1) from 32-bit draws, Lemire's multiply-and-reject without bias."""
    excl = np.uint64(top) + np.uint64(1)
    low32 = np.uint64(0xFFFFFFFF)
    m = np.uint64(_next_uint32(stream[2], stream[0])) * excl
    leftover = m & low32
    if leftover < excl:
        threshold = (low32 - np.uint64(top)) % excl
        while leftover < threshold:
            m = np.uint64(_next_uint32(stream[2], stream[0])) * excl
            leftover = m & low32
    return np.int64(m >> np.uint64(32))


@kernel
def integers(stream, low, high, n):
    """``rng.integers(low, high, n)`` (int64, the default): numpy's Lemire draws on 32-bit
    words, for ranges ``high - low`` up to 2^32 (the model's are grid steps and rows)."""
    top = high - low - 1
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if top < 0 or top > 0xFFFFFFFF:
        raise ValueError("integers: high - low must be in 1..2^32")
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        if top == 0:
            out[i] = low
        elif top == 0xFFFFFFFF:
            out[i] = low + np.int64(_next_uint32(stream[2], stream[0]))
        else:
            out[i] = low + _bounded_lemire(stream, top)
    return out


@kernel
def weighted_choice(stream, weights, n):
    """``rng.choice(len(weights), n, p=weights)``, with ``weights`` already summing to 1:
    numpy's cumulative sum (in order), scaled by its last value, searched (side right) with
    ``rng.random(n)``. Returns the chosen rows."""
    if weights.size == 0:
        raise ValueError("weighted_choice: no weights to choose from")
    cdf = np.empty(weights.size)
    total = 0.0
    for i in range(weights.size):
        total += weights[i]
        cdf[i] = total
    last = cdf[-1]
    for i in range(cdf.size):
        cdf[i] /= last
    return np.searchsorted(cdf, uniforms(stream, n), side="right")


@kernel
def _loggam(x):
    """log Gamma(x) as numpy's ``random_loggam`` computes it (SPECFUN's series)."""
    a = (
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.410256410256410e-03,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e00,
    )
    if x == 1.0 or x == 2.0:
        return 0.0
    n = int(7 - x) if x < 7.0 else 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = a[9]
    for k in range(8, -1, -1):
        gl0 *= x2
        gl0 += a[k]
    gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * math.log(x0) - x0
    if x < 7.0:
        for _ in range(n):
            gl -= math.log(x0 - 1.0)
            x0 -= 1.0
    return gl


@kernel
def _poisson_ptrs(stream, lam):
    """numpy's ``random_poisson_ptrs`` (Hörmann 1993), for a mean of 10 or more."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = uniform(stream) - 0.5
        v = uniform(stream)
        us = 0.5 - abs(u)
        k = int(math.floor((2 * a / us + b) * u + lam + 0.43))
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (
            -lam + k * loglam - _loggam(k + 1)
        ):
            return k


@kernel
def poisson(stream, lam) -> int:
    """One draw of ``rng.poisson(lam)``."""
    if lam >= 10:
        return _poisson_ptrs(stream, lam)
    if lam == 0:
        return 0
    prod = uniform(stream)
    # A squeeze: exp(-lam) >= 1 - lam, so a first draw below 1 - 2 lam (lam well above the
    # rounding of either side) is below exp(-lam): the draw is 0, and exp need not be taken.
    if lam >= 1e-10 and prod < 1.0 - 2.0 * lam:
        return 0
    enlam = math.exp(-lam)
    x = 0
    while prod > enlam:  # numpy's multiplication method: multiply draws until below e^-lam
        x += 1
        prod *= uniform(stream)
    return x


@kernel
def poissons(stream, lam):
    """``rng.poisson(lam)`` for an array of means, in order."""
    out = np.empty(lam.size, dtype=np.int64)
    for i in range(lam.size):
        out[i] = poisson(stream, lam[i])
    return out
