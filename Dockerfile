# Image of the CNAM Mayotte portal: the same image runs the web server (gunicorn),
# the Celery worker and the Celery beat scheduler (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data

# WeasyPrint renders PDFs through Pango/HarfBuzz and needs real fonts;
# curl is for operators debugging from inside the container.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        libfontconfig1 shared-mime-info fonts-dejavu-core fonts-liberation curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 cnam \
    && useradd --system --uid 1000 --gid cnam --home-dir /app --shell /usr/sbin/nologin cnam

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=cnam:cnam . .

# Static files are collected into the image (DATA_DIR/static). The key below
# exists only for this build step: settings refuse to start without one when
# DEBUG is off, and it is not kept in the image's environment.
RUN mkdir -p /data/private \
    && SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime-000000 \
       ALLOWED_HOSTS=localhost MAIL_URL=console:// DEBUG=0 \
       python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R cnam:cnam /data \
    && chmod 750 /data/private

USER cnam
EXPOSE 8000

CMD ["gunicorn", "cnam_portal.wsgi", "--config", "gunicorn.conf.py"]
