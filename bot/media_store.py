"""Where receipt files live, shared by every paybot process: a folder (local, or mounted from a file server on
every machine; the default) or an S3-compatible bucket. Files are content-addressed (`ab/abcd….png`), so a
file is written once, never changed, and the same receipt sent twice is stored once.

A stored file is named in the database by its reference: the folder's path for a folder (as always), or
`s3://bucket/key` for a bucket. Any process reads any reference, whatever store it writes to now."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.intake.media import sniff_extension

if TYPE_CHECKING:
    from bot.config import Settings

S3_SCHEME = "s3://"
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".pdf": "application/pdf",
                 ".gif": "image/gif", ".tif": "image/tiff", ".bmp": "image/bmp"}


def content_type_of(data: bytes) -> str:
    """The media type a stored file's bytes show (never what a sender declared)."""
    return CONTENT_TYPES.get(sniff_extension(data), "application/octet-stream")


@dataclass(frozen=True)
class StoredMedia:
    """A stored file: the reference the database keeps, and the SHA-256 of its bytes."""

    reference: str
    sha256: str


class MediaStore(Protocol):
    """Puts, reads and deletes receipt files by reference."""

    def put(self, data: bytes, declared_type: str | None = None) -> StoredMedia: ...

    def read(self, reference: str) -> bytes: ...

    def exists(self, reference: str) -> bool: ...

    def delete(self, reference: str) -> None: ...

    def size(self, reference: str) -> int | None: ...

    def reference_for(self, file_name: str) -> str: ...


def content_key(data: bytes, declared_type: str | None) -> tuple[str, str]:
    """(`ab/abcd….ext`, sha256): the name a file's content gives it."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}{sniff_extension(data, declared_type)}", digest


class FolderStore:
    """Files under a folder; written beside their final name and renamed, so no reader sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes, declared_type: str | None = None) -> StoredMedia:
        key, digest = content_key(data, declared_type)
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(partial, path)
            _sync_folder(path.parent)
        return StoredMedia(str(path), digest)

    def read(self, reference: str) -> bytes:
        return read_media(reference)

    def exists(self, reference: str) -> bool:
        return Path(reference).is_file() if not reference.startswith(S3_SCHEME) else False

    def delete(self, reference: str) -> None:
        if not reference.startswith(S3_SCHEME):
            Path(reference).unlink(missing_ok=True)

    def size(self, reference: str) -> int | None:
        try:
            return Path(reference).stat().st_size
        except OSError:
            return None

    def reference_for(self, file_name: str) -> str:
        """The reference of the stored file named `file_name` (`<sha256>.<ext>`)."""
        return str(self.root / file_name[:2] / file_name)


def _split(reference: str) -> tuple[str, str]:
    bucket, _, key = reference.removeprefix(S3_SCHEME).partition("/")
    return bucket, key


class BucketStore:
    """Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, a cloud's object storage) through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_settings(cls, settings: Settings) -> BucketStore:
        return cls(s3_client(settings), settings.s3_bucket, settings.s3_prefix)

    def put(self, data: bytes, declared_type: str | None = None) -> StoredMedia:
        key, digest = content_key(data, declared_type)
        reference = f"{S3_SCHEME}{self.bucket}/{self.prefix}{key}"
        if not self.exists(reference):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=declared_type or "application/octet-stream",
                                   ChecksumSHA256=_base64_sha256(data))
        return StoredMedia(reference, digest)

    def read(self, reference: str) -> bytes:
        if not reference.startswith(S3_SCHEME):
            return read_media(reference)
        bucket, key = _split(reference)
        body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    def exists(self, reference: str) -> bool:
        if not reference.startswith(S3_SCHEME):
            return Path(reference).is_file()
        from botocore.exceptions import ClientError

        bucket, key = _split(reference)
        try:
            self.client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, reference: str) -> None:
        if not reference.startswith(S3_SCHEME):
            Path(reference).unlink(missing_ok=True)
            return
        bucket, key = _split(reference)
        self.client.delete_object(Bucket=bucket, Key=key)

    def size(self, reference: str) -> int | None:
        if not reference.startswith(S3_SCHEME):
            return FolderStore(Path()).size(reference)
        from botocore.exceptions import ClientError

        bucket, key = _split(reference)
        try:
            return int(self.client.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError:
            return None

    def reference_for(self, file_name: str) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}{file_name[:2]}/{file_name}"


def _base64_sha256(data: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint (path-style addressing: every S3-compatible server takes it)."""
    import boto3
    from botocore.config import Config

    secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
    return boto3.client(
        "s3", endpoint_url=settings.s3_endpoint_url or None, region_name=settings.s3_region or None,
        aws_access_key_id=settings.s3_access_key_id or None, aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"},
                      connect_timeout=10, read_timeout=60))


def read_media(reference: str) -> bytes:
    """A folder reference's bytes (a bucket's need its store)."""
    return Path(reference).read_bytes()


def media_store(settings: Settings) -> MediaStore:
    """The store the settings choose: PAYBOT_MEDIA_STORE=folder (PAYBOT_DATA_DIR/media) or s3."""
    if settings.media_store == "s3":
        return BucketStore.from_settings(settings)
    return FolderStore(settings.media_dir)


def _sync_folder(folder: Path) -> None:
    """Make a file's new name durable too: the receipt is acknowledged only once it survives a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
