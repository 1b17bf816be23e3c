"""Downloads the media of a WhatsApp message with our Twilio credentials, only from Twilio's own hosts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

import httpx

from bot.config import Settings
from bot.intake.messages import FetchedMedia

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts that may be plain http (a local fake of Twilio in tests); any other host must be https."""

MAX_REDIRECTS = 5
DEADLINE_SECONDS = 10.0
"""All of one media item's attempts end by then (the worker downloads it, after the webhook was answered), so
a host that never answers holds a reading slot for at most this long before the customer is asked again."""


class MediaRefused(Exception):
    """A media URL (or a redirect) points somewhere our credentials must not go."""


class _TooLarge(Exception):
    pass


class _NotReady(Exception):
    pass


class TwilioMediaFetcher:
    """Fetches MediaUrlN: allow-listed hosts only, credentials never leave the first host, 404s retried."""

    def __init__(
        self,
        settings: Settings,
        *,
        retry_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
        timeout: float = 20.0,
        deadline: float = DEADLINE_SECONDS,
    ) -> None:
        token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
        self.auth = (settings.twilio_account_sid, token)
        self.allowed_hosts = frozenset(host.strip().lower() for host in settings.twilio_media_hosts)
        self.max_bytes = settings.max_upload_bytes
        self.retry_delays = tuple(retry_delays)
        self.deadline = deadline
        self.client = httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False)

    def check(self, url: str) -> str:
        """The host of `url` if our credentials may be sent there; raise MediaRefused otherwise."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in self.allowed_hosts:
            raise MediaRefused(f"media host {host!r} is not one of Twilio's")
        if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
            raise MediaRefused(f"media URL must be https: {url}")
        return host

    async def fetch(self, url: str) -> FetchedMedia:
        """Download `url` within the deadline, however slowly the host answers; failures come back as `error`,
        never as an exception."""
        try:
            self.check(url)
        except MediaRefused as refused:
            log.warning("refused to fetch WhatsApp media: %s", refused)
            return FetchedMedia(None, error="download_failed")
        try:
            async with asyncio.timeout(self.deadline):
                return await self._attempts(url)
        except TimeoutError:
            log.warning("WhatsApp media not downloaded within %.0f s: %s", self.deadline, url)
            return FetchedMedia(None, error="download_failed")

    async def _attempts(self, url: str) -> FetchedMedia:
        attempts = len(self.retry_delays) + 1
        for attempt in range(attempts):
            try:
                return await self._download(url)
            except _TooLarge:
                log.info("WhatsApp media over %d bytes: %s", self.max_bytes, url)
                return FetchedMedia(None, error="too_large")
            except MediaRefused as refused:
                log.warning("refused a WhatsApp media redirect: %s", refused)
                return FetchedMedia(None, error="download_failed")
            except (_NotReady, httpx.TransportError) as error:
                if attempt + 1 == attempts:
                    log.warning(
                        "WhatsApp media not downloaded after %d attempts: %s (%s)", attempts, url, error
                    )
                    return FetchedMedia(None, error="download_failed")
                await asyncio.sleep(self.retry_delays[attempt])
            except httpx.HTTPError as error:
                log.warning("WhatsApp media download failed: %s (%s)", url, error)
                return FetchedMedia(None, error="download_failed")
        return FetchedMedia(None, error="download_failed")

    async def _download(self, url: str) -> FetchedMedia:
        first_host = self.check(url)
        for _ in range(MAX_REDIRECTS + 1):
            host = self.check(url)
            auth = self.auth if host == first_host else None
            async with self.client.stream("GET", url, auth=auth) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                if response.status_code == 404 or response.status_code >= 500:
                    raise _NotReady(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    raise httpx.HTTPStatusError(
                        f"HTTP {response.status_code}", request=response.request, response=response
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise _TooLarge
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content.extend(chunk)
                    if len(content) > self.max_bytes:
                        raise _TooLarge
                content_type = response.headers.get("content-type", "").split(";")[0].strip() or None
                return FetchedMedia(bytes(content), content_type)
        raise MediaRefused(f"more than {MAX_REDIRECTS} redirects from {url}")

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.client.aclose()
