"""What candidate source may name: each allowed module's attributes, the builtins, and the
types a class pattern may match. Static validation (validation.py) checks every use of a
module, a builtin and a class pattern against these lists.

They are allow-lists on purpose. numpy and OpenCV add functions with every release, and some
read files or run code under names no list of dangers had (np.test runs pytest;
cv2.loadGaussianSplats, cv2.FontFace_setBuiltinFont and cv2.XFeat_create read any path): a
list of what is forbidden lets the next one through, a list of what is allowed does not.
Each list is built from what a codec needs: numpy's array creation, shaping, indexing,
arithmetic, reductions, sorting, bit packing, dtypes, fft, linalg and random generators;
OpenCV's image processing, colour conversion, transforms, motion search, drawing and
in-memory imencode/imdecode; the compression, packing and encoding functions of zlib, lzma, bz2,
struct, base64 and json (never a file variant); math; and the pure helpers of itertools,
functools, collections, heapq, bisect and typing; constriction's entropy coders and models.
Before adding a name, read what it does with its arguments: nothing listed may open a file,
run code from a string or a path, or hand out a module, a class-making type or an
interpreter object.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from runner.sandbox.inside.shared_rules import register_compiled_submodules

# The host imports constriction's submodules by the names candidates import them by.
register_compiled_submodules()


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


SEEDED_GENERATORS_OF_NUMPY = _names(
    "default_rng Generator SeedSequence PCG64 PCG64DXSM Philox SFC64 MT19937 RandomState")
# ... by their full names: a call to one of them must give a seed.
SEEDED_GENERATORS = frozenset(f"numpy.random.{name}" for name in SEEDED_GENERATORS_OF_NUMPY)


_NUMPY = _names("""
    array asarray asanyarray ascontiguousarray asfortranarray zeros zeros_like ones ones_like empty
    empty_like full full_like arange linspace logspace geomspace eye identity diag diagflat tri tril triu
    indices meshgrid mgrid ogrid frombuffer fromiter fromfunction copy require vander
    reshape ravel squeeze expand_dims transpose swapaxes moveaxis rollaxis permute_dims matrix_transpose
    atleast_1d atleast_2d atleast_3d broadcast broadcast_to broadcast_arrays broadcast_shapes concatenate
    concat stack vstack hstack dstack column_stack row_stack block split array_split hsplit vsplit dsplit
    unstack tile repeat pad flip fliplr flipud roll rot90 resize append insert delete trim_zeros shape ndim
    size take take_along_axis put put_along_axis place putmask copyto choose compress extract where nonzero
    flatnonzero argwhere select diagonal diag_indices diag_indices_from tril_indices triu_indices
    tril_indices_from triu_indices_from ix_ ravel_multi_index unravel_index searchsorted digitize newaxis
    s_ r_ c_ ndindex ndenumerate nditer flatiter
    abs absolute add subtract multiply divide true_divide floor_divide negative positive power pow
    float_power mod remainder fmod divmod reciprocal square sqrt cbrt exp exp2 expm1 log log2 log10 log1p
    logaddexp logaddexp2 sin cos tan arcsin arccos arctan arctan2 asin acos atan atan2 sinh cosh tanh
    arcsinh arccosh arctanh asinh acosh atanh hypot deg2rad rad2deg degrees radians floor ceil trunc rint
    round around fix clip sign signbit copysign heaviside maximum minimum fmax fmin max min amax amin
    nanmax nanmin ptp sum prod cumsum cumprod cumulative_sum cumulative_prod nansum nanprod nancumsum
    nancumprod mean average median std var nanmean nanmedian nanstd nanvar percentile quantile
    nanpercentile nanquantile diff ediff1d gradient convolve correlate cov corrcoef interp histogram
    histogram2d histogramdd histogram_bin_edges bincount dot vdot inner outer matmul tensordot einsum kron
    cross trace vecdot matvec vecmat gcd lcm frexp ldexp modf nextafter spacing i0 sinc angle real imag
    conj conjugate isfinite isinf isnan isneginf isposinf isreal iscomplex nan_to_num real_if_close unwrap
    all any equal not_equal less less_equal greater greater_equal logical_and logical_or logical_not
    logical_xor isclose allclose array_equal array_equiv count_nonzero
    bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_invert bitwise_left_shift bitwise_right_shift
    left_shift right_shift invert bitwise_count packbits unpackbits
    sort argsort lexsort partition argpartition argmax argmin nanargmax nanargmin unique unique_values
    unique_counts unique_inverse unique_all intersect1d union1d setdiff1d setxor1d isin
    dtype bool bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 intp uintp int_ uint float16
    float32 float64 half single double longdouble complex64 complex128 cdouble byte ubyte short ushort intc
    uintc long ulong longlong ulonglong generic number integer signedinteger unsignedinteger floating
    complexfloating inexact ndarray ufunc finfo iinfo can_cast result_type promote_types min_scalar_type
    issubdtype isdtype astype
    hanning hamming blackman bartlett kaiser pi e inf nan euler_gamma
    errstate seterr geterr isscalar iterable shares_memory may_share_memory array2string array_repr
    array_str format_float_positional format_float_scientific binary_repr base_repr vectorize frompyfunc
    apply_along_axis apply_over_axes piecewise polyfit polyval poly1d roots polyadd polysub polymul polydiv
    polyder polyint poly
""")

_CV2 = _names("""
    resize cvtColor dct idct dft idft imencode imdecode GaussianBlur blur boxFilter medianBlur
    bilateralFilter filter2D sepFilter2D Sobel Scharr Laplacian erode dilate morphologyEx
    getStructuringElement threshold adaptiveThreshold copyMakeBorder absdiff add subtract multiply divide
    addWeighted scaleAdd convertScaleAbs normalize split merge mixChannels extractChannel insertChannel LUT
    pyrDown pyrUp warpAffine warpPerspective getAffineTransform getPerspectiveTransform getRotationMatrix2D
    invertAffineTransform remap flip transpose rotate repeat hconcat vconcat calcOpticalFlowFarneback
    calcOpticalFlowPyrLK goodFeaturesToTrack matchTemplate phaseCorrelate createHanningWindow equalizeHist
    calcHist compareHist minMaxLoc meanStdDev mean sumElems countNonZero norm PSNR inRange bitwise_and
    bitwise_or bitwise_xor bitwise_not magnitude phase cartToPolar polarToCart exp log pow sqrt min max
    compare reduce mulSpectrums getOptimalDFTSize getGaussianKernel integral Canny findNonZero kmeans
    fastNlMeansDenoising fastNlMeansDenoisingColored inpaint demosaicing estimateAffine2D
    estimateAffinePartial2D findHomography perspectiveTransform transform solve gemm invert determinant
    eigen SVDecomp PCACompute PCAProject PCABackProject distanceTransform connectedComponents
    connectedComponentsWithStats line circle rectangle ellipse fillPoly fillConvexPoly polylines arrowedLine
    drawMarker FILLED error
""")

MODULE_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "numpy": _NUMPY,
    "numpy.fft": _names("""
        fft ifft rfft irfft fft2 ifft2 rfft2 irfft2 fftn ifftn rfftn irfftn hfft ihfft fftfreq rfftfreq
        fftshift ifftshift"""),
    "numpy.linalg": _names("""
        norm vector_norm matrix_norm inv pinv solve lstsq det slogdet eig eigh eigvals eigvalsh svd svdvals
        qr cholesky matrix_rank matrix_power multi_dot cond tensorinv tensorsolve LinAlgError matmul outer
        cross diagonal trace vecdot matrix_transpose tensordot"""),
    # Only generators made from a seed: numpy's global functions (np.random.rand, ...) draw from a state
    # seeded with the machine's entropy, and so does any of these called without a seed (validation refuses that).
    "numpy.random": SEEDED_GENERATORS_OF_NUMPY,
    "numpy.polynomial": _names("Polynomial Chebyshev Legendre Laguerre Hermite HermiteE"),
    "numpy.typing": _names("NDArray ArrayLike DTypeLike NBitBase"),
    "numpy.ma": _names("""
        array masked_array MaskedArray masked nomask masked_where masked_equal masked_invalid getmask
        getmaskarray getdata filled is_masked compressed"""),
    "numpy.char": _names("add multiply str_len upper lower encode decode startswith endswith find replace strip"),
    "numpy.strings": _names("add multiply str_len upper lower encode decode startswith endswith find replace strip"),
    "numpy.rec": _names("fromarrays fromrecords recarray record format_parser"),
    "numpy.dtypes": _names("""
        BoolDType Int8DType UInt8DType Int16DType UInt16DType Int32DType UInt32DType Int64DType UInt64DType
        Float16DType Float32DType Float64DType Complex64DType Complex128DType StringDType"""),
    "numpy.exceptions": _names("AxisError ComplexWarning DTypePromotionError RankWarning VisibleDeprecationWarning"),
    "cv2": _CV2,
    "cv2.typing": _names("MatLike MatShape Size Point Point2f Rect Scalar Range"),
    "math": _names("""
        acos acosh asin asinh atan atan2 atanh cbrt ceil comb copysign cos cosh degrees dist e erf erfc exp
        exp2 expm1 fabs factorial floor fmod frexp fsum gamma gcd hypot inf isclose isfinite isinf isnan
        isqrt lcm ldexp lgamma log log10 log1p log2 modf nan nextafter perm pi pow prod radians remainder sin
        sinh sqrt tan tanh tau trunc ulp"""),
    "json": _names("dumps loads JSONDecoder JSONEncoder JSONDecodeError"),
    "json.decoder": _names("JSONDecoder JSONDecodeError"),
    "json.encoder": _names("JSONEncoder"),
    "struct": _names("pack unpack pack_into unpack_from iter_unpack calcsize Struct error"),
    "base64": _names("""
        b64encode b64decode urlsafe_b64encode urlsafe_b64decode standard_b64encode standard_b64decode
        b32encode b32decode b16encode b16decode a85encode a85decode b85encode b85decode encodebytes
        decodebytes"""),
    "zlib": _names("""
        compress decompress compressobj decompressobj crc32 adler32 error DEFLATED MAX_WBITS DEF_MEM_LEVEL
        DEF_BUF_SIZE ZLIB_VERSION ZLIB_RUNTIME_VERSION"""),
    "lzma": _names("compress decompress LZMACompressor LZMADecompressor LZMAError is_check_supported"),
    "bz2": _names("compress decompress BZ2Compressor BZ2Decompressor"),
    "itertools": _names("""
        accumulate chain combinations combinations_with_replacement compress count cycle dropwhile
        filterfalse groupby islice pairwise permutations product repeat starmap takewhile tee zip_longest"""),
    "functools": _names("reduce partial partialmethod lru_cache cache cached_property cmp_to_key total_ordering"),
    "collections": _names("deque defaultdict Counter OrderedDict namedtuple ChainMap"),
    "heapq": _names("heapify heappop heappush heappushpop heapreplace merge nlargest nsmallest"),
    "bisect": _names("bisect bisect_left bisect_right insort insort_left insort_right"),
    "typing": _names("""
        Any Optional Union List Dict Tuple Set FrozenSet Sequence Mapping MutableMapping Iterable Iterator
        Generator Callable NamedTuple TypedDict Final ClassVar Literal Protocol Generic TypeVar cast overload
        TYPE_CHECKING Deque DefaultDict Counter OrderedDict"""),
    # constriction: entropy coding at native speed, one call per array with a model parameter per
    # symbol. Its coders and models work on numpy arrays in memory: none takes a path, reads or
    # writes a file, or can be pickled. Listed: the ANS stack coder, the range coder's encoder and
    # decoder, and the model families. CustomModel takes Python callables for its CDF and its
    # inverse; the coder calls them back in the same process, under the same guards, so they are
    # candidate code like any other (and validated as such). Left out: the ChainCoder (bits-back
    # coding), constriction.symbol (a symbol at a time, from Python), ScipyModel (wraps scipy,
    # which candidates cannot import), Model (the abstract base) and the raw extension module
    # constriction.constriction.
    "constriction": frozenset(),
    "constriction.stream": frozenset(),
    "constriction.stream.stack": _names("AnsCoder"),
    "constriction.stream.queue": _names("RangeEncoder RangeDecoder"),
    "constriction.stream.model": _names("""
        Categorical QuantizedLaplace QuantizedGaussian QuantizedCauchy Bernoulli Binomial Uniform
        CustomModel"""),
}

# Named constants, allowed by prefix: the flags and modes the listed functions take. Every name
# with one of these prefixes is a plain int (or, for cv2's CV_ types, a function making one).
MODULE_CONSTANT_PREFIXES: Mapping[str, tuple[str, ...]] = {
    "cv2": ("COLOR_", "INTER_", "BORDER_", "IMWRITE_", "IMREAD_", "NORM_", "THRESH_", "ADAPTIVE_THRESH_",
            "MORPH_", "DCT_", "DFT_", "CV_", "ROTATE_", "CMP_", "REDUCE_", "WARP_", "TM_", "OPTFLOW_",
            "TERM_CRITERIA_", "KMEANS_", "HISTCMP_", "DECOMP_", "INPAINT_", "COVAR_", "SORT_", "RETR_",
            "CHAIN_APPROX_", "DIST_", "CC_", "MOTION_", "GEMM_", "LINE_", "MARKER_"),
    "zlib": ("Z_",),
    "lzma": ("FORMAT_", "CHECK_", "FILTER_", "MF_", "MODE_", "PRESET_"),
}

# The builtins candidate code may use. Left out: everything that reads or sets attributes or
# variables by name (getattr, setattr, delattr, hasattr, vars, globals, locals, dir), runs
# code (exec, eval, compile, breakpoint), reaches files or the terminal (open, input, help),
# leaks addresses (id), or ends the interpreter (exit, quit). `type` is allowed only as
# type(value), compared (validation.py).
ALLOWED_BUILTINS: frozenset[str] = _names("""
    abs all any ascii bin bool bytearray bytes callable chr classmethod complex dict divmod enumerate filter
    float format frozenset hash hex int isinstance issubclass iter len list map max memoryview min next
    object oct ord pow print property range repr reversed round set slice sorted staticmethod str sum super
    tuple type zip Ellipsis NotImplemented
""") | frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)

# The classes a `case Class(...)` pattern may name: plain built-in types, whose class patterns
# check the type and bind the value itself.
PATTERN_TYPES: frozenset[str] = _names("bool bytearray bytes complex dict float frozenset int list set str tuple")


def module_attribute_allowed(module: str, name: str) -> bool:
    """Whether `module.name` may be used: listed, a listed constant, or an allowed submodule."""
    return (name in MODULE_ATTRIBUTES[module] or f"{module}.{name}" in MODULE_ATTRIBUTES
            or name.startswith(MODULE_CONSTANT_PREFIXES.get(module, ())))
