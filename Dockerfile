# wecom-callback: a receiving endpoint for WeCom callbacks.
# Serve your own app with -e WECOM_APP=yourmodule:app (install it into the image first,
# see examples/Dockerfile), or, without WECOM_APP, a pure receiver that admits callbacks
# for `wecom-callback worker` processes. `wecom-callback run` applies the serving limits
# a public URL needs (see the README's "On the public internet").
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY wecom_callback ./wecom_callback
RUN pip install --no-cache-dir build==1.6.1 && python -m build --wheel --outdir /dist

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /app wecom
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl redis && rm -rf /tmp/dist
USER wecom
WORKDIR /app
ENV PORT=8000 \
    FORWARDED_ALLOW_IPS=127.0.0.1 \
    WECOM_DATA_DIR=/app/data \
    PYTHONUNBUFFERED=1
EXPOSE 8000
# The inbox (and the client's tokens) live here: mount a volume, or they die with the
# container.
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
CMD ["sh", "-c", "exec wecom-callback run --host 0.0.0.0 --port \"$PORT\""]
