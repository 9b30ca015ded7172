# The hub's worker image: production installs without the embedded extra (Kafka and PostgreSQL are external).
# The user has a fixed uid (10001) so that secret files can be given to it on the host (docker compose mounts them
# with their owner and mode) and Kubernetes can check runAsNonRoot. /var/lib/hub (HUB_STATE_DIR) and the folder
# connector's spool are made here, owned by that user, so named volumes mounted there start writable by it.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/hub --no-create-home hub \
    && install -d -o hub -g hub -m 0700 /var/lib/hub \
    && install -d -o hub -g hub -m 0750 /var/spool/hub/polizei/cap /var/spool/hub/polizei/cap-done
ENV HUB_STATE_DIR=/var/lib/hub
USER 10001:10001
ENTRYPOINT []
CMD ["hub", "--help"]
