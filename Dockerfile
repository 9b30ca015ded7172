# The hub's worker image: production installs without the embedded extra (Kafka and PostgreSQL are external).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
RUN pip install --no-cache-dir . && useradd --system hub
USER hub
ENTRYPOINT []
CMD ["hub", "--help"]
