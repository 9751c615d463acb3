# NovaDesk production image: the Django portal (gunicorn), the Celery worker and beat.
# Build:  docker build -t novadesk .
# Run:    see docker-compose.yml; every secret comes from the environment at run time.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# The application runs as an unprivileged user; the code itself stays owned by root (read-only).
# It has a home of its own: gunicorn puts its control socket in $HOME/.gunicorn/.
RUN groupadd --system novadesk \
    && useradd --system --gid novadesk --create-home --home-dir /home/novadesk \
        --shell /usr/sbin/nologin novadesk

WORKDIR /app

# Dependencies first, so this layer is reused while only the source changes. setuptools is
# configured with `packages = []`, so `pip install .` installs [project].dependencies only.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

COPY . .

# German message catalogs: locale/<lang>/LC_MESSAGES/django.po -> django.mo
RUN pybabel compile -d locale -D django

# Static files under the production storage (whitenoise's CompressedManifestStaticFilesStorage).
# The variables below exist only for this step, to satisfy production settings; none is used.
RUN DJANGO_SETTINGS_MODULE=portal.settings.production \
    DJANGO_SECRET_KEY=build-only \
    DJANGO_ALLOWED_HOSTS=build \
    SITE_URL=https://build.invalid \
    ORDER_WEBHOOK_SECRET=build-only \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend \
    python manage.py collectstatic --noinput

# Uploaded files; a named volume mounted here starts with this ownership.
RUN mkdir -p /app/var/media && chown -R novadesk:novadesk /app/var

ENV DJANGO_SETTINGS_MODULE=portal.settings.production

USER novadesk

EXPOSE 8000

# Sends the first DJANGO_ALLOWED_HOSTS entry as Host (production lists only public names) and
# X-Forwarded-Proto: https (so DJANGO_SECURE_SSL_REDIRECT=true does not answer with a redirect).
# /healthz answers 503 when the database, the broker or the outbox is unhealthy; urlopen raises.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = (os.environ.get('DJANGO_ALLOWED_HOSTS') or '').split(',')[0].strip().lstrip('.*') or '127.0.0.1'; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=8)"]

CMD ["gunicorn", "portal.wsgi:application"]
