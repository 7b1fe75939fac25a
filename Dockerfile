# wecom-callback: a receiving endpoint for WeCom callbacks.
# Serve your own app with -e WECOM_APP=yourmodule:app (install it into the image first),
# or the default WeComApp.from_env(), which admits callbacks for `wecom-callback worker`.
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
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
CMD ["sh", "-c", "exec uvicorn --factory wecom_callback.asgi:create_app --host 0.0.0.0 --port \"$PORT\" --proxy-headers --forwarded-allow-ips \"$FORWARDED_ALLOW_IPS\""]
