#!/bin/sh
# Makes deploy/secrets/ for docker-compose.yml: fresh random secrets, each file owned by the account that reads it
# inside its container and mode 600 (the hub refuses key and password files that others may read). Run as root
# from the repository's top folder: `sudo sh deploy/secrets.example/make-secrets.sh`. Existing files are kept, so
# running it again only fills in what is missing. What each file is: deploy/secrets.example/README.md.
set -eu
out=${1:-deploy/secrets}
HUB_UID=10001        # the hub image's user (Dockerfile)
PG_UID=999           # postgres in the postgres:16 image
KAFKA_UID=1000       # appuser in the apache/kafka image
GRAFANA_UID=472      # grafana in the grafana/grafana image

umask 077
mkdir -p "$out"
# Ownership needs root; without it the files stay the caller's (fine for checking what the script makes).
own() { if [ "$(id -u)" = 0 ]; then chown "$@"; fi; }
rand() { openssl rand -hex 24; }
put() {  # put FILE OWNER CONTENT: write CONTENT unless FILE exists, then owner and mode
    [ -e "$out/$1" ] || printf '%s\n' "$3" > "$out/$1"
    own "$2" "$out/$1" && chmod 600 "$out/$1"
}

owner_pw=$(rand); worker_pw=$(rand); console_pw=$(rand); kafka_pw=$(rand)
[ -e "$out/postgres-owner-password" ] && owner_pw=$(cat "$out/postgres-owner-password")
[ -e "$out/postgres-worker.pgpass" ] && worker_pw=$(cut -d: -f5- "$out/postgres-worker.pgpass")
[ -e "$out/postgres-console.pgpass" ] && console_pw=$(cut -d: -f5- "$out/postgres-console.pgpass")
[ -e "$out/kafka-password" ] && kafka_pw=$(cat "$out/kafka-password")

# PostgreSQL: the schema's owner (migrations, the logins job) and the two logins the processes use.
put postgres-owner-password "$PG_UID" "$owner_pw"
put postgres-owner.pgpass "$HUB_UID" "*:*:*:hub_owner:$owner_pw"
put postgres-worker.pgpass "$HUB_UID" "*:*:*:hub_worker:$worker_pw"
put postgres-console.pgpass "$HUB_UID" "*:*:*:hub_console_app:$console_pw"

# Kafka: the broker's JAAS file with the hub's SASL/PLAIN user, and that user's password for the hub.
put kafka-password "$HUB_UID" "$kafka_pw"
put kafka-jaas.conf "$KAFKA_UID" "KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
  user_hub=\"$kafka_pw\";
};"

# Pseudonymisation keys: one folder per key ring name, one <kid>.key of 32 random bytes (base64) each.
kid=k$(date +%Y%m)
for ring in polizei havag ordnungsamt analytics analytics_ids; do
    mkdir -p "$out/pseudonym-keys/$ring"
    if ! ls "$out/pseudonym-keys/$ring"/*.key >/dev/null 2>&1; then
        openssl rand -base64 32 > "$out/pseudonym-keys/$ring/$kid.key"
    fi
    own -R "$HUB_UID" "$out/pseudonym-keys/$ring" && chmod 700 "$out/pseudonym-keys/$ring"
    chmod 600 "$out/pseudonym-keys/$ring"/*
done
own "$HUB_UID" "$out/pseudonym-keys" && chmod 700 "$out/pseudonym-keys"

# The acknowledgement tokens of the systems (console API and `hub acks serve`), one per domain.
for domain in polizei havag ordnungsamt; do put "ack-token-$domain" "$HUB_UID" "$(openssl rand -hex 32)"; done

# The console's users: empty until `hub console hash-password` hashes are added (docs/console.md).
put console-users.toml "$HUB_UID" "# [users.NAME] agency = \"polizei\", role = \"operator\", password_hash = \"...\""

# The connectors' credentials towards the agencies' systems: given by the agencies, written here by hand.
for name in havag-gtfsr-token havag-siri-hmac havag-driver-alarm-token polizei-units-hmac \
            ordnungsamt-open311-token ordnungsamt-patrols-token; do
    put "$name" "$HUB_UID" "REPLACE-with-the-secret-the-agency-gave"
done

put grafana-admin-password "$GRAFANA_UID" "$(rand)"
echo "secrets in $out; fill in the connectors' credentials (files containing REPLACE) before \`docker compose up\`"
