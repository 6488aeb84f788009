# Production image: one image for every role (web, ws, worker, beat, migrate); the compose
# file picks the role with `command:`.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # settings.py finds templates/ and static/ next to the helpdesk package (BASE_DIR);
    # they are not in the wheel, so the code in /app must win over the site-packages copy.
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=helpdesk.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install . \
    && rm -rf build *.egg-info

# HELPDESK_DEV only lets settings load without a SECRET_KEY for this step; it is not kept.
RUN HELPDESK_DEV=1 python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --user-group --home-dir /app --no-create-home helpdesk \
    && mkdir -p /app/media \
    && chown helpdesk:helpdesk /app/media
USER helpdesk

EXPOSE 8000

CMD ["gunicorn", "helpdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
