"""Stories for files built to cost a reader gigabytes or minutes: each answered quickly, in bounded memory,
with an error kind that says what happened."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from bot.ocr import ReaderPool, UnreadableReceipt, read_receipt
from bot.ocr.loading import MAX_PIXELS, WORK_PIXELS, load_image
from bot.ocr.preprocess import prepare
from tests.ocr.hostile import MAKERS, at_the_cap, corpus, dense_text, hostile
from tests.ocr.receipts import Receipt

LIMIT_MB = 400


def _peak_mb(pid: int) -> int:
    """The process's peak resident memory (VmHWM) in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmHWM")


@pytest.mark.parametrize("name", list(MAKERS))
def test_hostile_file_is_answered_quickly_with_what_happened(name: str) -> None:
    file = hostile(name)
    start = time.perf_counter()
    try:
        read_receipt(file.data, timeout=10)
        kind = None
    except UnreadableReceipt as error:
        kind = error.kind
        assert error.customer_message
    assert kind == file.kind
    assert time.perf_counter() - start < 5


def test_a_thin_line_is_too_long_not_a_tesseract_timeout() -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(hostile("1x100000 png").data)
    assert caught.value.kind == "too_long" and caught.value.code == "too_long"
    assert "tesseract" not in str(caught.value)


def test_extreme_shapes_are_refused_from_the_header_before_decoding() -> None:
    strip, page = (hostile(name).data for name in ("tall 4x9999999 png", "pdf page 3x10000000 pt"))
    assert len(strip) < 80_000 and len(page) < 500
    for data in (strip, page):
        start = time.perf_counter()
        with pytest.raises(UnreadableReceipt) as caught:
            load_image(data, max_bytes=10**8)
        assert caught.value.kind == "too_long"
        assert time.perf_counter() - start < 0.5


def test_a_huge_photo_is_scaled_down_by_its_decoder_and_still_reads(clean_receipt: Receipt) -> None:
    data = at_the_cap("RGB", "JPEG", 100_000_000)
    image = load_image(data, max_bytes=10**8)
    assert image.width * image.height <= WORK_PIXELS
    assert read_receipt(data).amount == clean_receipt.truth.amount


@pytest.mark.parametrize("mode", ["RGBA", "P", "LA", "1", "CMYK"])
def test_every_mode_becomes_rgb_or_gray_within_the_working_size(mode: str) -> None:
    source = Image.new("RGB", (6000, 4000), "white").convert(mode)
    buffer = io.BytesIO()
    source.save(buffer, "JPEG" if mode == "CMYK" else "PNG")
    image = load_image(buffer.getvalue(), max_bytes=10**8)
    assert image.mode in ("RGB", "L")
    assert image.width * image.height <= WORK_PIXELS
    assert abs(image.width / image.height - 1.5) < 0.01
    assert image.getextrema() in ((255, 255), ((255, 255), (255, 255), (255, 255)))


def test_preparing_time_grows_with_pixels_not_with_rows() -> None:
    def seconds(size: tuple[int, int]) -> float:
        image = Image.new("RGB", size, "white")
        start = time.perf_counter()
        prepare(image)
        return time.perf_counter() - start

    seconds((200, 200))
    square = min(seconds((2000, 2000)) for _ in range(2))
    tall = min(seconds((400, 10_000)) for _ in range(2))  # the same pixels in 5 times the rows
    assert tall < 3 * square + 0.05


@pytest.mark.slow
def test_pool_workers_stay_under_400_mb_on_the_largest_files_the_bounds_allow(clean_receipt: Receipt) -> None:
    biggest = [at_the_cap("RGB", pixels=MAX_PIXELS - 100_000), at_the_cap("RGBA", pixels=MAX_PIXELS - 100_000)]

    async def read_all() -> list[int]:
        with ReaderPool(workers=2, timeout=8) as pool:
            results = await asyncio.gather(*(pool.read(data) for data in [*biggest, *(h.data for h in corpus())]),
                                           return_exceptions=True)
            assert [getattr(r, "amount", None) for r in results[:2]] == [clean_receipt.truth.amount] * 2
            assert all(isinstance(r, UnreadableReceipt) for r in results[2:])
            assert (await pool.read(clean_receipt.data)).amount == clean_receipt.truth.amount
            return [_peak_mb(pid) for pid in pool.pids]

    peaks = asyncio.run(read_all())
    assert len(peaks) == 2 and max(peaks) < LIMIT_MB


@pytest.mark.slow
def test_a_slow_file_times_out_while_the_other_reader_keeps_reading(
    clean_receipt: Receipt, dark_receipt: Receipt,
) -> None:
    slow = dense_text(3000)

    async def story() -> None:
        with ReaderPool(workers=2, timeout=2.5) as pool:
            await asyncio.gather(pool.read(clean_receipt.data), pool.read(dark_receipt.data))
            before = set(pool.pids)
            start = time.perf_counter()
            slow_read = asyncio.create_task(pool.read(slow))
            await asyncio.sleep(0.2)
            others = [await pool.read(clean_receipt.data) for _ in range(3)]  # the other worker keeps reading
            with pytest.raises(UnreadableReceipt) as caught:
                await slow_read
            assert caught.value.kind == "timeout"
            assert time.perf_counter() - start < 2.5 + 6  # unbounded, this file reads for well over 20 s
            assert all(fields.amount == clean_receipt.truth.amount for fields in others)
            assert len(before & set(pool.pids)) >= 1  # at least the worker that read the others is the same
            assert (await pool.read(dark_receipt.data)).amount == dark_receipt.truth.amount
            assert all(_peak_mb(pid) < LIMIT_MB for pid in pool.pids)
            deadline = time.perf_counter() + 30
            while len(pool.pids) < 2 and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            assert len(pool.pids) == 2 and all(Path(f"/proc/{pid}").exists() for pid in pool.pids), \
                "two live readers: the same one when it answered its own timeout, else the stuck one's successor"

    asyncio.run(story())


@pytest.mark.slow
def test_the_service_keeps_answering_while_a_stuck_reader_is_killed_and_replaced(clean_receipt: Receipt) -> None:
    slow = dense_text(3000)

    async def story() -> float:
        gaps = [0.0]
        stop = asyncio.Event()

        async def tick() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        with ReaderPool(workers=1, timeout=1.5) as pool:
            await pool.read(clean_receipt.data)
            ticking = asyncio.create_task(tick())
            with pytest.raises(UnreadableReceipt):
                await pool.read(slow)
            assert (await pool.read(clean_receipt.data)).amount == clean_receipt.truth.amount
            stop.set()
            await ticking
        return max(gaps)

    # Killing the worker and forking its successor happen on other threads; on the event loop they held up
    # every request for as long as the fork and the kill took.
    assert asyncio.run(story()) < 0.5


def test_a_reader_stuck_past_its_own_deadline_is_killed_and_its_successor_reads(clean_receipt: Receipt) -> None:
    """Native code that never returns (here a plain `time.sleep`) cannot answer Tesseract's deadline: the pool's
    own limit ends it, kills that process and starts another in its place."""

    async def story() -> tuple[float, int, list[int]]:
        with ReaderPool(workers=1, timeout=5) as pool:
            await pool.read(clean_receipt.data)
            [stuck] = pool.pids
            started = time.perf_counter()
            with pytest.raises(UnreadableReceipt) as refused:
                await pool.run(time.sleep, 60, limit=0.5)
            waited = time.perf_counter() - started
            assert refused.value.kind == "timeout"
            assert (await pool.read(clean_receipt.data)).amount == clean_receipt.truth.amount
            return waited, stuck, pool.pids

    waited, stuck, now = asyncio.run(story())
    assert waited < 5, "the caller is answered at the pool's limit, not when the stuck call would end"
    assert stuck not in now and len(now) == 1
    assert not Path(f"/proc/{stuck}").exists(), "the stuck process was killed and reaped"


@pytest.mark.slow
def test_a_worker_memory_limit_turns_an_oversized_read_into_too_large(clean_receipt: Receipt) -> None:
    biggest = at_the_cap("RGB", pixels=MAX_PIXELS - 100_000)

    async def story() -> None:
        with ReaderPool(workers=1, memory_limit=285 * 1024 * 1024) as pool:
            with pytest.raises(UnreadableReceipt) as caught:
                await pool.read(biggest)
            assert caught.value.kind == "too_large"
            assert (await pool.read(clean_receipt.data)).amount == clean_receipt.truth.amount

    asyncio.run(story())
