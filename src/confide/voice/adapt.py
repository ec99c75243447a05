"""Speaker adaptation: pocketsphinx's acoustic model moved towards a household's voices (MAP).

pocketsphinx's US English model was trained on read speech of other people; a voice far from
them (an accent, a child, a synthetic voice) gets the grammar's nearest sentence or nothing.
Members who read the enrollment prompts (:mod:`confide.voice.enrollment`) give the model
their voices, the way CMU Sphinx's own adaptation recipe does it, with its own tools:

1. :func:`voice_statistics` turns one member's recordings and the prompts they read into
   *sufficient statistics*: ``sphinx_fe`` computes the model's features, ``bw`` (Baum-Welch,
   forced to the prompt's words) counts how much of each Gaussian, mixture weight and
   transition the recordings used.  The counts are additive and hold no audio and no words;
   they are what Confide keeps (sealed in the vault, see :mod:`confide.voice.profile`).
2. :func:`build_model` sums the statistics of every enrolled member and runs ``map_adapt``
   (maximum a posteriori re-estimation: a Gaussian moves towards the household's data as far
   as the data supports it, an unseen one stays).  The result is a complete model directory
   for ``pocketsphinx.Decoder(hmm=...)``.  It is derived again from the statistics whenever
   they change, so forgetting one member's enrollment removes their share of the model.

The recordings (and the features computed from them) must reach the tools as files: they are
written to a private temporary directory (mode 0700) in ``/dev/shm`` where there is one, so
they stay in memory and never reach a disk, and it is removed before returning.

The tools come from Debian (``sphinxbase-utils``, ``sphinxtrain``); without them adaptation
raises ``adaptation_unavailable`` and recognition goes on with the unadapted model.  The
bundled model carries its mixture weights quantised (``sendump``); ``bw`` needs them as floats,
so :func:`base_model` writes them out once (``mixture_weights``) beside a text ``mdef``, in a
cache directory (nothing personal is in it).  Work files (features, counts) live in a private
temporary directory removed before returning.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
import zipfile
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from confide.voice.errors import VoiceError

__all__ = [
    "ADAPTATION_FAILED",
    "ADAPTATION_UNAVAILABLE",
    "AdaptationError",
    "Recording",
    "base_model",
    "build_model",
    "private_parent",
    "sum_statistics",
    "tools_missing",
    "voice_statistics",
]

ADAPTATION_UNAVAILABLE = "adaptation_unavailable"
ADAPTATION_FAILED = "adaptation_failed"
#: Where Debian puts sphinxtrain's programs (they are not on ``$PATH``).
SPHINXTRAIN_DIRS = ("/usr/lib/sphinxtrain", "/usr/libexec/sphinxtrain")
#: The count files ``bw`` writes and ``map_adapt`` reads.
COUNT_FILES = ("gauden_counts", "mixw_counts", "tmat_counts")
_SHM = Path("/dev/shm")  # noqa: S108 - only a parent for mkdtemp (unique, mode 0700)
_MODEL_FILES = ("mdef", "feat.params", "noisedict", "means", "variances", "transition_matrices")
_TIMEOUT_S = 600


class AdaptationError(VoiceError):
    """Speaker adaptation could not run (missing tools, unusable recordings)."""

    code = ADAPTATION_FAILED
    bad_input = False


@dataclass(frozen=True)
class Recording:
    """16 kHz mono s16le ``samples`` of a person reading ``text`` (dictionary words only)."""

    samples: bytes
    text: str


def private_parent() -> str | None:
    """Where voice-derived work files go: ``/dev/shm`` (memory) if usable, else the default
    temporary directory (None)."""
    if not _SHM.is_dir():
        return None
    try:
        with tempfile.TemporaryFile(dir=_SHM):
            return str(_SHM)
    except OSError:
        return None


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in SPHINXTRAIN_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def tools_missing() -> list[str]:
    """The adaptation programs that are not installed (Debian: sphinxbase-utils, sphinxtrain)."""
    return [t for t in ("sphinx_fe", "bw", "map_adapt") if _tool(t) is None]


def _run(name: str, *args: str, cwd: Path) -> None:
    path = _tool(name)
    if path is None:
        raise AdaptationError(
            f"speaker adaptation needs {name}: install the Debian packages "
            "sphinxbase-utils and sphinxtrain",
            code=ADAPTATION_UNAVAILABLE,
        )
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program, arguments Confide wrote
            [path, *args],
            check=False,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise AdaptationError(f"{name} could not run ({type(err).__name__})") from err
    if done.returncode != 0:
        # The tools' logs name files and model sizes, never words or audio.
        last = [line for line in (done.stderr + done.stdout).splitlines() if "FATAL" in line]
        raise AdaptationError(
            f"{name} failed (exit {done.returncode}): {last[-1] if last else 'no message'}"
        )


def _bundled_model() -> Path:
    import pocketsphinx  # type: ignore[import-untyped]

    return Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"


def _s3_header(out: io.BufferedIOBase | io.BytesIO) -> None:
    head = b"s3\nversion 1.0\n"
    out.write(head + b" " * ((-(len(head) + 7)) % 4) + b"endhdr\n")  # data 4-byte aligned
    out.write(struct.pack("<I", 0x11223344))


def sendump_to_mixture_weights(sendump: bytes) -> bytes:
    """The float ``mixture_weights`` file of a quantised ``sendump`` (8-bit, unclustered).

    A value ``q`` stands for the weight ``1.0001 ** -(q << 10)`` (pocketsphinx's 8-bit log
    table); every senone's weights are normalised again, as pocketsphinx does on reading.
    """
    pos = 0

    def i32() -> int:
        nonlocal pos
        (value,) = struct.unpack_from("<i", sendump, pos)
        pos += 4
        return int(value)

    for _ in range(2):  # title, header
        length = i32()
        pos += length
    n_feat, n_clust, bits = 1, 0, 8
    while (n := i32()) != 0:
        key, _, value = sendump[pos : pos + n].rstrip(b"\0").decode("ascii").partition(" ")
        pos += n
        if key == "feature_count":
            n_feat = int(value)
        elif key == "cluster_count":
            n_clust = int(value)
        elif key == "cluster_bits":
            bits = int(value)
    if n_clust or bits != 8:
        raise AdaptationError("the bundled model's sendump is clustered: cannot adapt it")
    n_density, n_sen = i32(), i32()
    table = [math.pow(1.0001, -(q << 10)) for q in range(256)]
    weights = array("f", bytes(4 * n_sen * n_feat * n_density))
    for f in range(n_feat):
        for d in range(n_density):
            row = sendump[pos : pos + n_sen]
            pos += n_sen
            for s, q in enumerate(row):
                weights[(s * n_feat + f) * n_density + d] = table[q]
    for start in range(0, len(weights), n_density):
        total = sum(weights[start : start + n_density]) or 1.0
        for i in range(start, start + n_density):
            weights[i] /= total
    out = io.BytesIO()
    _s3_header(out)
    out.write(struct.pack("<4i", n_sen, n_feat, n_density, len(weights)))
    if struct.pack("=I", 1) != struct.pack("<I", 1):
        weights.byteswap()
    out.write(weights.tobytes())
    return out.getvalue()


def base_model(cache_dir: Path) -> Path:
    """The bundled model prepared for the adaptation tools, made once under ``cache_dir``."""
    folder = cache_dir / "pocketsphinx-en-us-adaptable"
    if (folder / "mixture_weights").is_file():
        return folder
    source = _bundled_model()
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".adaptable-", dir=cache_dir))
    try:
        for name in _MODEL_FILES:
            shutil.copyfile(source / name, work / name)
        (work / "mixture_weights").write_bytes(
            sendump_to_mixture_weights((source / "sendump").read_bytes())
        )
        mdef_convert = shutil.which("pocketsphinx_mdef_convert")
        if mdef_convert is None:
            raise AdaptationError(
                "speaker adaptation needs pocketsphinx_mdef_convert: install the Debian "
                "package pocketsphinx",
                code=ADAPTATION_UNAVAILABLE,
            )
        subprocess.run(  # noqa: S603 - a fixed program and arguments
            [mdef_convert, "-text", "mdef", "mdef.txt"],
            cwd=work,
            check=True,
            capture_output=True,
            timeout=_TIMEOUT_S,
        )
        os.replace(work, folder)  # whole or not at all
    except subprocess.CalledProcessError as err:
        raise AdaptationError("pocketsphinx_mdef_convert failed") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _dictionary(texts: Iterable[str]) -> str:
    """The CMU dictionary lines of every word of ``texts`` (unknown words are refused)."""
    import pocketsphinx

    wanted = {w for text in texts for w in text.split()}
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    lines = []
    found: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word = line.split(" ", 1)[0]
            base = word.split("(", 1)[0]
            if base in wanted:
                lines.append(line.rstrip("\n"))
                found.add(base)
    missing = wanted - found
    if missing:
        raise AdaptationError(
            f"{len(missing)} word(s) of the prompts are not in the pronunciation dictionary",
            code=ADAPTATION_FAILED,
        )
    return "\n".join(lines) + "\n"


#: The feature settings of the bundled model (its feat.params), as ``bw`` wants them.
_FEATURES = ("-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38", "-agc", "none")


def voice_statistics(recordings: Sequence[Recording], cache_dir: Path) -> bytes:
    """The adaptation statistics of ``recordings`` (a zip of ``bw``'s three count files)."""
    if not recordings:
        raise AdaptationError("no recordings to adapt to", code=ADAPTATION_FAILED)
    base = base_model(cache_dir)
    with tempfile.TemporaryDirectory(prefix="confide-adapt-", dir=private_parent()) as tmp:
        work = Path(tmp)
        (work / "wav").mkdir()
        (work / "mfc").mkdir()
        (work / "accum").mkdir()
        ids, lines = [], []
        for index, recording in enumerate(recordings):
            name = f"r{index:04d}"
            with wave.open(str(work / "wav" / f"{name}.wav"), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(16000)
                out.writeframes(recording.samples)
            ids.append(name)
            lines.append(f"<s> {recording.text} </s> ({name})")
        (work / "fileids").write_text("\n".join(ids) + "\n", encoding="utf-8")
        (work / "transcription").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (work / "words.dict").write_text(_dictionary(r.text for r in recordings), encoding="utf-8")
        _run("sphinx_fe", "-argfile", str(base / "feat.params"), "-samprate", "16000",
             "-c", "fileids", "-di", "wav", "-do", "mfc", "-ei", "wav", "-eo", "mfc",
             "-mswav", "yes", cwd=work)  # fmt: skip
        _run("bw", "-moddeffn", str(base / "mdef.txt"), "-ts2cbfn", ".ptm.",
             "-meanfn", str(base / "means"), "-varfn", str(base / "variances"),
             "-mixwfn", str(base / "mixture_weights"),
             "-tmatfn", str(base / "transition_matrices"), *_FEATURES, "-cmn", "batch",
             "-dictfn", "words.dict", "-fdictfn", str(base / "noisedict"),
             "-ctlfn", "fileids", "-lsnfn", "transcription", "-cepdir", "mfc",
             "-accumdir", "accum", "-timing", "no", cwd=work)  # fmt: skip
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in COUNT_FILES:
                archive.write(work / "accum" / name, name)
        return packed.getvalue()


class _Counts:
    """One of ``bw``'s count files: its integer fields and float arrays, in file order.

    mixw_counts and tmat_counts hold ``d1 d2 d3 n`` and n floats; gauden_counts holds
    ``has_means has_vars pass2var n_cb n_density``, the vector lengths (``n`` then n ints),
    then the weighted means and variances (``n`` then n floats each, if present) and the
    denominators (``d1 d2 d3 n`` and n floats).  A checksum may follow (``chksum0``).
    """

    def __init__(self, name: str, data: bytes) -> None:
        end = data.find(b"endhdr\n")
        if not data.startswith(b"s3\n") or end < 0:
            raise AdaptationError("voice statistics are not readable")
        self._data, self._pos = data, end + len(b"endhdr\n")
        if self._ints(1) != (0x11223344,):
            raise AdaptationError("voice statistics have another byte order")
        self.parts: list[tuple[int, ...] | array[float]] = []
        if name == "gauden_counts":
            flags = self._ints(5)
            self.parts.append(flags)
            (n_feat,) = self._ints(1)
            self.parts += [(n_feat,), self._ints(n_feat)]
            for _ in range(int(flags[0] != 0) + int(flags[1] != 0)):
                self._floats(0)
            self._floats(3)
        else:
            self._floats(3)

    def _ints(self, n: int) -> tuple[int, ...]:
        try:
            values = struct.unpack_from(f"<{n}I", self._data, self._pos)
        except struct.error as err:
            raise AdaptationError("voice statistics are truncated") from err
        self._pos += 4 * n
        return tuple(int(v) for v in values)

    def _floats(self, dims: int) -> None:
        shape = self._ints(dims + 1)
        count = shape[-1]
        if self._pos + 4 * count > len(self._data):
            raise AdaptationError("voice statistics are truncated")
        values = array("f", self._data[self._pos : self._pos + 4 * count])
        if sys.byteorder != "little":
            values.byteswap()
        self._pos += 4 * count
        self.parts += [shape, values]

    def add(self, other: _Counts) -> None:
        """Add ``other``'s counts (same model, same shapes) to these."""
        if len(other.parts) != len(self.parts):
            raise AdaptationError("voice statistics of different models cannot be summed")
        for mine, theirs in zip(self.parts, other.parts, strict=True):
            if isinstance(mine, array) and isinstance(theirs, array) and len(mine) == len(theirs):
                for i, value in enumerate(theirs):
                    mine[i] += value
            elif mine != theirs:
                raise AdaptationError("voice statistics of different models cannot be summed")

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        _s3_header(out)  # without chksum0: no checksum follows
        for part in self.parts:
            if isinstance(part, array):
                values = array("f", part)
                if sys.byteorder != "little":
                    values.byteswap()
                out.write(values.tobytes())
            else:
                out.write(struct.pack(f"<{len(part)}I", *part))
        return out.getvalue()


def _read_count_file(statistics: bytes, name: str) -> bytes:
    """One count file of one member's statistics (a zip of :data:`COUNT_FILES`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(statistics)) as archive:
            if set(archive.namelist()) != set(COUNT_FILES):
                raise AdaptationError("voice statistics are incomplete")
            return archive.read(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as err:
        raise AdaptationError("voice statistics are not readable") from err


def sum_statistics(statistics: Sequence[bytes], folder: Path) -> None:
    """Write the sum of several members' statistics into ``folder`` (``bw``'s count files).

    One count file of one member is unpacked at a time, so memory stays at about two count
    files whatever the number of members.
    """
    for name in COUNT_FILES:
        total: _Counts | None = None
        for blob in statistics:
            data = _read_count_file(blob, name)
            if len(statistics) == 1:
                (folder / name).write_bytes(data)
                break
            counts = _Counts(name, data)
            del data
            if total is None:
                total = counts
            else:
                total.add(counts)
            del counts
        if total is not None:
            (folder / name).write_bytes(total.to_bytes())
        del total


def build_model(statistics: Sequence[bytes], dest: Path, cache_dir: Path) -> Path:
    """A model directory at ``dest`` adapted to the sum of ``statistics`` (one per member)."""
    if not statistics:
        raise AdaptationError("no voice statistics to build a model from")
    base = base_model(cache_dir)
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix="confide-map-", dir=private_parent()) as tmp:
        work = Path(tmp)
        (work / "accum").mkdir()
        sum_statistics(statistics, work / "accum")
        _run("map_adapt", "-moddeffn", str(base / "mdef.txt"), "-ts2cbfn", ".ptm.",
             "-meanfn", str(base / "means"), "-varfn", str(base / "variances"),
             "-mixwfn", str(base / "mixture_weights"),
             "-tmatfn", str(base / "transition_matrices"), "-accumdir", "accum",
             "-mapmeanfn", str(dest / "means"), "-mapvarfn", str(dest / "variances"),
             "-mapmixwfn", str(dest / "mixture_weights"),
             "-maptmatfn", str(dest / "transition_matrices"), cwd=work)  # fmt: skip
    for name in ("mdef", "feat.params", "noisedict"):
        shutil.copyfile(base / name, dest / name)
    return dest
