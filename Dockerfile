# The production image: `crm serve` with several workers, on PostgreSQL and Redis (see
# docker-compose.yml and docs/operations.md). Build: docker build -t crm .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /app
RUN pip install /app \
    && useradd --create-home --uid 10001 crm \
    && mkdir -p /app/var \
    && chown crm /app/var

USER crm

# Production defaults; CRM_DATABASE_URL, CRM_REDIS_URL and CRM_JWT_SECRET come from outside.
ENV CRM_ENV=production \
    CRM_HOST=0.0.0.0 \
    CRM_PORT=8000 \
    CRM_WORKERS=2 \
    CRM_REQUEST_LOG=json \
    CRM_GRAPHIQL=false \
    PROMETHEUS_MULTIPROC_DIR=/tmp/crm-metrics

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]

CMD ["crm", "serve", "--migrate"]
