"""Voice turns streamed over HTTP: `POST /v1/turns` with audio/L16 or a WAV body sent in chunks.

A real uvicorn server on 127.0.0.1 with the real pocketsphinx recogniser; httpx uploads with a
generator body (chunked transfer encoding, no Content-Length) of ~100 ms chunks of espeak-ng
speech.  That a 16 kHz mono body is recognised *while it arrives* is seen in the decoder
pool: its one decoder pair is lent out during the upload (a body decoded whole at its end
takes it only after the last chunk).  Every refusal is a 4xx JSON error with its code, stores
no turn and leaves the decoder free.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

pytest.importorskip("pocketsphinx")

from apiserver import serving
from confide import runtime
from confide.assistant import Assistant
from confide.hub.audio_upload import BAD_AUDIO_PARAMETERS, PcmFormat, UploadBody, l16_format
from confide.hub.voice_stream import STALL_S
from confide.vault import Vault, lineage
from confide.voice import Audio, VoiceError, decode_wav
from confide.voice.recognizers import PocketsphinxRecognizer
from speechgen import TOOLS, synthesise

pytestmark = pytest.mark.skipif(not TOOLS, reason="espeak-ng and sox are not installed")

WPM = 160
CHUNK = 3200  # 100 ms of 16 kHz mono s16le
L16 = "audio/L16; rate=16000; channels=1"
STAGES = ["decode", "transcribe", "understand", "act", "store"]
TIME = "what time is it"
REMOVE = "remove milk from the shopping list"
LIST = "what's on my shopping list"


# -- WAV files ---------------------------------------------------------------------------
def chunk(cid: bytes, body: bytes, size: int | None = None) -> bytes:
    declared = len(body) if size is None else size
    return cid + struct.pack("<I", declared) + body + (b"\0" if len(body) % 2 else b"")


def fmt(rate: int = 16000, channels: int = 1, bits: int = 16, align: int | None = None) -> bytes:
    block = channels * bits // 8 if align is None else align
    return chunk(b"fmt ", struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits))


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def wav(samples: bytes, *before: bytes, after: bytes = b"", rate: int = 16000) -> bytes:
    return riff(fmt(rate), *before, chunk(b"data", samples), after)


def upsampled(samples: bytes, factor: int) -> bytes:
    """Each 16-bit sample repeated ``factor`` times (the converter's box filter undoes it)."""
    return b"".join(samples[i : i + 2] * factor for i in range(0, len(samples), 2))


def stereo(samples: bytes) -> bytes:
    return b"".join(samples[i : i + 2] * 2 for i in range(0, len(samples), 2))


# -- the server ----------------------------------------------------------------------------
@dataclass
class Api:
    client: httpx.Client
    vault: Vault
    household_id: str
    speech: PocketsphinxRecognizer
    port: int
    token: str
    spoken: dict[str, bytes] = field(default_factory=dict)

    def turns(self) -> int:
        response = self.client.get("/v1/history", params={"limit": 1000})
        assert response.status_code == 200
        return len(response.json())

    def in_use(self) -> int:
        """Decoder pairs lent out (or being built) now."""
        return self.speech.pool.alive - self.speech.pool.idle

    def wait_free(self, within: float = 5.0) -> float:
        """Seconds until no decoder is lent out; fails after ``within``."""
        started = time.monotonic()
        while self.in_use():
            assert time.monotonic() - started < within, "the decoder was not given back"
            time.sleep(0.01)
        return time.monotonic() - started


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One server for the module (one grammar build), warmed up by one whole WAV turn."""
    folder = tmp_path_factory.mktemp("stream")
    vault = Vault.open(folder / "home")
    household, token = runtime.create_demo(vault)
    assert token is not None
    # A lower rejection cut than the product's: these tests are about how audio travels, and
    # the confidence of a right transcript of a synthetic voice moves around the cut with the
    # cepstral mean left by the utterances before it (the intent and slots are still checked).
    speech = PocketsphinxRecognizer(min_confidence=0.5)
    assistant = Assistant(vault, household.id, speech=speech)
    try:
        with serving(vault, household.id, token, timeout=60, assistant=assistant) as client:
            port = client.base_url.port
            assert port is not None
            made = Api(client, vault, household.id, speech, port, token)
            made.spoken = {t: synthesise(t, folder, wpm=WPM) for t in (TIME, REMOVE, LIST)}
            warm = client.post(
                "/v1/turns", content=wav(made.spoken[TIME]), headers={"Content-Type": "audio/wav"}
            )
            assert warm.status_code == 201, warm.text
            yield made
    finally:
        vault.close()


def paced(
    data: bytes,
    size: int = CHUNK,
    seconds: float = 0.1,
    *,
    first: int | None = None,
    watch: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """``data`` in chunks of ``size`` bytes, one every ``seconds`` (the first ``first`` bytes
    alone); ``watch(i)`` runs before chunk ``i`` (once the chunks before it were sent)."""
    pieces = [data[:first]] if first else []
    rest = data[first or 0 :]
    pieces += [rest[i : i + size] for i in range(0, len(rest), size)]
    started = time.perf_counter()
    for index, piece in enumerate(pieces):
        delay = started + index * seconds - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if watch is not None:
            watch(index)
        yield piece


def post(api: Api, body: Iterator[bytes] | bytes, kind: str, **params: str) -> httpx.Response:
    return api.client.post("/v1/turns", content=body, headers={"Content-Type": kind}, params=params)


class Held:
    """Records, during an upload, whether a decoder was lent out after the first chunks."""

    def __init__(self, api: Api, after: int = 10) -> None:
        self.api, self.after = api, after
        self.seen: list[int] = []

    def __call__(self, index: int) -> None:
        if index >= self.after:
            self.seen.append(self.api.in_use())


def check_voice_turn(api: Api, response: httpx.Response, intent: str) -> dict[str, object]:
    assert response.status_code == 201, response.text
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    body = response.json()
    assert body["intent"] == intent, (body["speech"], body["timings_ms"])
    assert body["speech"]["engine"] == "pocketsphinx"
    assert body["speech"]["rejected"] is False
    assert list(body["timings_ms"]) == STAGES
    found = lineage(api.vault, api.household_id, str(body["turn_id"]))
    assert found.turn.source == "voice"
    api.wait_free(1.0)
    return dict(body)


# -- live decoding -------------------------------------------------------------------------
def test_l16_streamed_in_real_time_is_recognised_while_it_arrives(api: Api) -> None:
    added = api.client.post("/v1/turns", json={"text": "add milk to the list", "member": "Bob"})
    assert added.status_code == 201, added.text
    held = Held(api)
    before = api.turns()
    made = post(api, paced(api.spoken[REMOVE], watch=held), L16, member="Bob")
    body = check_voice_turn(api, made, "shopping.remove")
    assert body["slots"] == {"item": "milk"}
    assert body["member"] == "Bob"
    assert held.seen and set(held.seen) == {1}  # the decoder worked during the upload
    assert api.turns() == before + 1
    timings = body["timings_ms"]
    assert isinstance(timings, dict)
    assert all(timings[s] >= 0 for s in STAGES)


@pytest.mark.parametrize(
    ("before", "after", "first"),
    [
        ((), b"", 7),  # the header itself arrives in pieces
        ((chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00conf\x00"),), b"", None),
        ((), chunk(b"LIST", b"INFO" + b"\x01" * 301), 50),  # a chunk after the samples
    ],
)
def test_a_16k_mono_wav_is_recognised_while_it_arrives(
    api: Api, before: tuple[bytes, ...], after: bytes, first: int | None
) -> None:
    held = Held(api)
    data = wav(api.spoken[TIME], *before, after=after)
    made = post(api, paced(data, first=first, watch=held), "audio/wav")
    check_voice_turn(api, made, "time.get")
    assert held.seen and set(held.seen) == {1}


@pytest.mark.parametrize(
    ("kind", "convert"),
    [
        ("audio/L16; rate=48000", lambda s: upsampled(s, 3)),
        ("audio/L16; rate=16000; channels=2", stereo),
        ('audio/l16;RATE="32000"; Channels=1', lambda s: upsampled(s, 2)),
        ("audio/wav", lambda s: riff(fmt(48000), chunk(b"data", upsampled(s, 3)))),
        ("audio/x-wav", lambda s: riff(fmt(16000, 2), chunk(b"data", stereo(s)))),
        ("audio/wave", lambda s: riff(chunk(b"data", s), fmt())),  # data before fmt
    ],
)
def test_other_formats_are_collected_and_recognised_whole(
    api: Api, kind: str, convert: Callable[[bytes], bytes]
) -> None:
    held = Held(api, after=3)
    data = convert(api.spoken[TIME])
    made = post(api, paced(data, size=len(data) // 20 + 1, seconds=0.02, watch=held), kind)
    check_voice_turn(api, made, "time.get")
    assert held.seen and set(held.seen) == {0}  # no decoder during the upload


def test_a_whole_body_sent_at_once_still_works(api: Api) -> None:
    for kind, data in ((L16, api.spoken[TIME]), ("audio/wav", wav(api.spoken[TIME]))):
        made = post(api, data, kind)
        assert made.status_code == 201, made.text
        assert made.json()["intent"] == "time.get"
        assert list(made.json()["timings_ms"]) == STAGES


def test_an_upload_that_stalls_gives_the_decoder_back_and_still_works(api: Api) -> None:
    samples = api.spoken[LIST]
    seen: list[tuple[int, int]] = []

    def pause(index: int) -> None:
        if index == 10:
            seen.append((index, api.in_use()))
            time.sleep(STALL_S + 0.6)
            seen.append((index, api.in_use()))

    made = post(api, paced(samples, watch=pause), L16)
    check_voice_turn(api, made, "shopping.list")
    assert seen == [(10, 1), (10, 0)]  # held while it streamed, given back when it stalled


# -- refusals ------------------------------------------------------------------------------
def _body(api: Api, recipe: bytes | Callable[[bytes], bytes]) -> bytes:
    return recipe(api.spoken[TIME]) if callable(recipe) else recipe


def over_30_s(samples: bytes, bytes_per_second: int) -> bytes:
    """``samples`` repeated until they last more than 31 s at ``bytes_per_second``."""
    return samples * (31 * bytes_per_second // len(samples) + 1)


@pytest.mark.parametrize(
    ("kind", "recipe", "params", "status", "code"),
    [
        (L16, b"", {}, 400, "audio_empty"),
        ("audio/wav", b"", {}, 400, "audio_empty"),
        (L16, lambda s: s + b"\x01", {}, 400, "audio_corrupt"),  # an odd trailing byte
        ("audio/L16; rate=16000; channels=2", lambda s: stereo(s)[:-2], {}, 400, "audio_corrupt"),
        ("audio/L16; rate=8000", lambda s: s + b"\x01", {}, 400, "audio_corrupt"),
        (L16, lambda s: over_30_s(s, 32000), {}, 413, "audio_too_long"),  # refused at 30 s
        ("audio/L16; rate=8000", lambda s: over_30_s(s, 16000), {}, 413, "audio_too_long"),
        ("audio/L16", lambda s: s, {}, 415, BAD_AUDIO_PARAMETERS),  # no rate
        ("audio/L16; rate=fast", lambda s: s, {}, 415, BAD_AUDIO_PARAMETERS),
        ("audio/L16; rate=16000; rate=8000", lambda s: s, {}, 415, BAD_AUDIO_PARAMETERS),
        ("audio/L16; rate", lambda s: s, {}, 415, BAD_AUDIO_PARAMETERS),
        (
            "audio/L16; rate=16000; endianness=big-endian",
            lambda s: s,
            {},
            415,
            BAD_AUDIO_PARAMETERS,
        ),
        ("audio/L16; rate=96000", lambda s: s, {}, 415, "audio_unsupported"),
        ("audio/L16; rate=16000; channels=3", lambda s: s, {}, 415, "audio_unsupported"),
        ("audio/L16; rate=16000; channels=0", lambda s: s, {}, 415, "audio_unsupported"),
        ("audio/L24; rate=16000", lambda s: s, {}, 415, "unsupported_media_type"),
        (L16, lambda s: s, {"member": "Nobody"}, 404, "unknown_member"),
        ("audio/wav", wav, {"member": "Nobody"}, 404, "unknown_member"),
    ],
)
def test_bad_streams_are_4xx_store_nothing_and_free_the_decoder(
    api: Api,
    kind: str,
    recipe: bytes | Callable[[bytes], bytes],
    params: dict[str, str],
    status: int,
    code: str,
) -> None:
    before = api.turns()
    data = _body(api, recipe)
    response = post(api, paced(data, size=8 * CHUNK, seconds=0.01), kind, **params)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert set(error) == {"code", "message"} and error["message"]
    api.wait_free(1.0)
    assert api.turns() == before


def _broken_wavs(s: bytes) -> list[bytes]:
    data = chunk(b"data", s)
    return [
        riff(fmt(align=4), data),  # block align of stereo in a mono header
        riff(fmt(), chunk(b"data", s, size=len(s) + 4000)),  # truncated: live, then refused
        riff(fmt(), chunk(b"data", s[:-1])),  # an odd data chunk
        riff(fmt(), chunk(b"data", b"")),  # no samples
        riff(fmt(), fmt(), data),  # two fmt chunks
        riff(fmt(), chunk(b"data", s, size=0xFFFFFFF0)),  # claims 4 GiB
        riff(fmt(), chunk(b"\x00\x01ab", b"xx"), data),  # unreadable chunk header
        riff(fmt(bits=8), data),  # unsupported
        riff(fmt(), chunk(b"LIST", b"x" * 10, size=len(s) * 4), data),  # a chunk past the end
        b"RIFX" + riff(fmt(), data)[4:],
        b"this is not a wav file at all, " * 100,
        riff(fmt(rate=16000), chunk(b"data", over_30_s(s, 32000))),
    ]


@pytest.mark.parametrize("index", range(len(_broken_wavs(b"\0\0"))))
def test_a_broken_wav_gets_the_error_it_always_got(api: Api, index: int) -> None:
    data = _broken_wavs(api.spoken[TIME])[index]
    with pytest.raises(VoiceError) as expected:
        decode_wav(data)  # what the whole file gets
    before = api.turns()
    response = post(api, paced(data, size=4 * CHUNK, seconds=0.03, first=30), "audio/wav")
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (expected.value.code, expected.value.message)
    assert 400 <= response.status_code < 500
    api.wait_free(1.0)
    assert api.turns() == before


def test_a_declared_length_over_the_cap_is_refused_unread(api: Api) -> None:
    too_long = b"\0" * (30 * 32000 + 2)
    response = post(api, too_long, L16)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "audio_too_long"
    assert response.request.headers["content-length"] == str(len(too_long))


def test_a_client_that_goes_away_mid_stream_frees_the_decoder(api: Api) -> None:
    before = api.turns()
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as sock:
        head = (
            "POST /v1/turns HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {api.token}\r\nContent-Type: {L16}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        samples = api.spoken[REMOVE]
        for start in range(0, 12 * CHUNK, CHUNK):
            piece = samples[start : start + CHUNK]
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            time.sleep(0.05)
        deadline = time.monotonic() + 5
        while api.in_use() != 1:  # the decoder is working on the upload
            assert time.monotonic() < deadline
            time.sleep(0.01)
    freed = api.wait_free(within=STALL_S)  # by the disconnection, not by the stall timer
    assert freed < STALL_S / 2
    assert api.turns() == before
    after = post(api, paced(api.spoken[TIME], seconds=0.02), L16)  # the decoder is free
    check_voice_turn(api, after, "time.get")


def test_a_busy_recogniser_is_503_and_stores_nothing(api: Api) -> None:
    before = api.turns()
    api.speech.wait_timeout = 0.2
    try:
        with api.speech.stream():  # e.g. a Wyoming satellite streaming a command
            busy = post(api, paced(api.spoken[TIME], seconds=0.02), L16)
    finally:
        api.speech.wait_timeout = 35.0
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"]["code"] == "recognizer_busy"
    api.wait_free(1.0)
    assert api.turns() == before
    assert post(api, paced(api.spoken[TIME], seconds=0.02), L16).status_code == 201


def test_openapi_describes_the_streamed_body(api: Api) -> None:
    operation = api.client.get("/openapi.json").json()["paths"]["/v1/turns"]["post"]
    content = operation["requestBody"]["content"]
    assert {"application/json", "audio/wav", "audio/L16"} <= set(content)
    assert content["audio/L16"]["schema"] == {"type": "string", "format": "binary"}
    described = content["audio/L16"]["description"]
    assert "little-endian" in described and "rate" in described and "chunked" in described
    assert "while the body arrives" in content["audio/wav"]["description"]
    assert {"400", "404", "413", "415", "503"} <= set(operation["responses"])


# -- the body, without a server ------------------------------------------------------------
def _fed(body: UploadBody, data: bytes, step: int) -> bytes:
    """``data`` added ``step`` bytes at a time; the samples a live decoding would get."""
    got = bytearray()
    for start in range(0, len(data), step):
        body.add(data[start : start + step])
        got += body.samples_from(len(got))
    return bytes(got)


@pytest.mark.parametrize("step", [1, 3, 44, 1000, 100_000])
def test_a_live_wav_gives_what_decode_wav_gives_bit_for_bit(step: int) -> None:
    samples = bytes(range(256)) * 40
    data = wav(samples, chunk(b"junk", b"abc"), after=chunk(b"LIST", b"INFOabcd"))
    body = UploadBody("wav")
    assert body.live is None
    fed = _fed(body, data, step)
    assert body.live is True
    assert fed == samples  # the data chunk only: not the header, not the chunk after it
    assert body.audio() == decode_wav(data)


def test_a_header_of_many_chunks_is_walked_once() -> None:
    samples = bytes(range(256)) * 4
    data = wav(samples, *(chunk(b"junk", b"") for _ in range(2000)))
    body = UploadBody("wav")
    started = time.perf_counter()
    assert _fed(body, data, 1) == samples  # 17,000 bytes added one at a time
    assert time.perf_counter() - started < 2.0
    assert body.audio() == decode_wav(data)


def test_wavs_that_are_not_decoded_live() -> None:
    s = bytes(64)
    for data in (
        b"hello, this is not audio",
        riff(fmt(), chunk(b"LIST", b"", size=2 << 20), chunk(b"data", s)),
        riff(fmt(8000), chunk(b"data", s)),
        riff(fmt(16000, 2), chunk(b"data", s)),
        riff(fmt(bits=24), chunk(b"data", bytes(66))),
        riff(chunk(b"data", s), fmt()),
        riff(fmt(align=4), chunk(b"data", s)),
    ):
        body = UploadBody("wav")
        assert _fed(body, data, 5) == b""
        assert body.live is False


def test_l16_parameters() -> None:
    assert l16_format("audio/L16; rate=16000") == PcmFormat(16000, 1)
    assert l16_format('audio/L16;rate="44100";channels=2;endianness=Little-Endian') == PcmFormat(
        44100, 2
    )
    assert PcmFormat(16000, 1).live and not PcmFormat(16000, 2).live
    assert not PcmFormat(8000, 1).live
    assert PcmFormat(8000, 2).max_bytes == 30 * 8000 * 4


def test_a_live_l16_body_is_its_samples() -> None:
    body = UploadBody("l16", PcmFormat(16000, 1))
    assert body.live is True
    data = bytes(range(200)) * 7
    assert _fed(body, data, 7) == data
    assert body.audio() == Audio(data)
