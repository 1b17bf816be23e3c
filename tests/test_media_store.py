"""Receipt files in a folder or an S3-compatible bucket (a real local S3 server: moto's): written once by content,
read back byte for byte by reference from any store, deleted; a half-written file is never visible."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from sqlmodel import Session

from bot.config import Settings
from bot.db.models import StaffMember
from bot.db.session import make_engine
from bot.media_store import BucketStore, FolderStore, media_store
from bot.portal.passwords import hash_password
from tests.conftest import REPO
from tests.portal.conftest import PortalClient
from tests.processes import Service, free_port, installation

RECEIPT = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server on loopback for these tests."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket_settings(settings: Settings, s3_endpoint: str) -> Settings:
    chosen = settings.model_copy(update={
        "media_store": "s3", "s3_bucket": "paybot-receipts", "s3_endpoint_url": s3_endpoint, "s3_region": "us-east-1",
        "s3_access_key_id": "testing", "s3_secret_access_key": SecretStr("testing"), "s3_prefix": "media"})
    store = media_store(chosen)
    assert isinstance(store, BucketStore)
    buckets = [b["Name"] for b in store.client.list_buckets()["Buckets"]]
    if "paybot-receipts" not in buckets:
        store.client.create_bucket(Bucket="paybot-receipts")
    return chosen


def test_a_bucket_keeps_each_receipt_once_by_its_content(bucket_settings: Settings) -> None:
    store = media_store(bucket_settings)
    assert isinstance(store, BucketStore)
    first = store.put(RECEIPT, "image/png")
    again = store.put(RECEIPT, "image/png")
    assert first == again
    assert first.reference == f"s3://paybot-receipts/media/{first.sha256[:2]}/{first.sha256}.png"
    assert store.read(first.reference) == RECEIPT
    listed = store.client.list_objects_v2(Bucket="paybot-receipts", Prefix="media/")["Contents"]
    assert [o["Key"] for o in listed if first.sha256 in o["Key"]] == [first.reference.split("/", 3)[3]]
    other = media_store(bucket_settings)
    assert other.exists(first.reference) and other.read(first.reference) == RECEIPT, "any process reads it"
    other.delete(first.reference)
    assert not store.exists(first.reference)


def test_a_bucket_store_still_reads_files_stored_in_the_folder_before(
        bucket_settings: Settings, tmp_path: Path) -> None:
    older = FolderStore(tmp_path / "media").put(RECEIPT, "image/png")
    assert media_store(bucket_settings).read(older.reference) == RECEIPT


def test_the_folder_is_the_default_and_never_shows_half_a_file(settings: Settings) -> None:
    store = media_store(settings)
    assert isinstance(store, FolderStore)
    stored = store.put(RECEIPT, None)
    path = Path(stored.reference)
    assert path.parent.parent == settings.media_dir and path.suffix == ".png"
    assert store.read(stored.reference) == RECEIPT
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no .part left behind"
    store.delete(stored.reference)
    assert not store.exists(stored.reference)


def test_the_service_keeps_receipts_in_the_bucket(bucket_settings: Settings, tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1", media_store="s3", s3_bucket=bucket_settings.s3_bucket,
                       s3_endpoint_url=bucket_settings.s3_endpoint_url, s3_region="us-east-1",
                       s3_access_key_id="testing", s3_secret_access_key="testing", s3_prefix="recibos")
    service = Service(env, tmp_path).start()
    try:
        answer = httpx.post(f"{service.url}/sandbox/api/customer", data={"phone": "88112233"},
                            files={"file": ("recibo.png", RECEIPT, "image/png")}, timeout=30)
        intake_id = answer.json()["intake_id"]
        deadline = time.monotonic() + 60
        def card_sent() -> bool:
            messages = httpx.get(f"{service.url}/sandbox/api/messages", timeout=10).json()["messages"]
            return any(m["kind"] == "support_card" for m in messages)

        while time.monotonic() < deadline and not card_sent():
            time.sleep(0.2)
        image = httpx.get(f"{service.url}/sandbox/media/{intake_id}", timeout=10)
        engine = make_engine(env["PAYBOT_DATABASE_URL"])
        with Session(engine) as session:
            session.add(StaffMember(name="Laura Mora", role="support", login="laura",
                                    password_hash=hash_password("una clave larga")))
            session.commit()
        engine.dispose()
        with PortalClient(service.url) as staff:
            assert staff.log_in("laura", "una clave larga").status_code == 303
            page = staff.get(f"/portal/comprobantes/{intake_id}")
            on_portal = staff.get(f"/portal/comprobantes/{intake_id}/imagen")
    finally:
        service.stop()
    assert image.status_code == 200 and image.content == RECEIPT
    assert image.headers["content-type"] == "image/png"
    assert page.status_code == 200 and f"/portal/comprobantes/{intake_id}/imagen" in page.text
    assert on_portal.status_code == 200 and on_portal.content == RECEIPT, "the portal shows it from the bucket"
    assert on_portal.headers["content-type"] == "image/png"
    store = media_store(bucket_settings)
    assert isinstance(store, BucketStore)
    keys = [o["Key"] for o in store.client.list_objects_v2(Bucket="paybot-receipts", Prefix="recibos/")["Contents"]]
    assert len(keys) == 1 and keys[0].endswith(".png")
    assert not (tmp_path / "media").exists(), "nothing written to the local folder"
