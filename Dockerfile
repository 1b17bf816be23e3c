# paybot as a container: Debian slim, Tesseract with Spanish and English from Debian's packages, a non-root user.
# Build: docker build -t paybot .   Run the whole stack: docker compose up -d (see compose.yaml and the README).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Tesseract 5 (the command and libtesseract, which the reader keeps warm), its Spanish and English models, and
# the fonts the PDF statements embed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng libtesseract5 \
        fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 paybot \
    && useradd --system --uid 10001 --gid paybot --home-dir /var/lib/paybot --create-home --shell /usr/sbin/nologin paybot

WORKDIR /opt/paybot
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY currency ./currency
RUN pip install -c constraints.txt '.[postgres,s3]' \
    && python -c "import bot, currency; print('paybot installed')"
COPY data/customers.csv data/contracts.csv ./data/

USER paybot
WORKDIR /var/lib/paybot
ENV PAYBOT_DATA_DIR=/var/lib/paybot/data \
    PAYBOT_HOST=0.0.0.0 \
    PAYBOT_PORT=8080 \
    PAYBOT_LOG_FORMAT=json
RUN mkdir -p /var/lib/paybot/data/media
VOLUME ["/var/lib/paybot/data/media"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PAYBOT_PORT\", \"8080\")}/healthz', timeout=4)"

CMD ["paybot", "run", "--role", "all"]
