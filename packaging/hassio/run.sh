#!/usr/bin/env bash
# Entry point of the habitd add-on. It turns the add-on options
# (/data/options.json, written by the Supervisor) and the MQTT broker the
# Supervisor knows of into habitd's HABITD__SECTION__KEY environment, then
# execs habitd, which validates everything and names any key it rejects.
#
# Needs bash, jq and curl (all in Home Assistant's base images). The paths
# can be changed for a test run outside the add-on:
#   HABITD_ADDON_OPTIONS  the options file      (/data/options.json)
#   HABITD_ADDON_DATA     where the database is (/data)
#   SUPERVISOR_API        the Supervisor        (http://supervisor)
#   HABITD_BIN            the binary            (/usr/bin/habitd)
#   HABITD_ADDON_WEB_LISTEN  the review page's address (0.0.0.0:8099, config.yaml's ingress_port)
set -euo pipefail

options="${HABITD_ADDON_OPTIONS:-/data/options.json}"
data="${HABITD_ADDON_DATA:-/data}"
supervisor="${SUPERVISOR_API:-http://supervisor}"
habitd="${HABITD_BIN:-/usr/bin/habitd}"
web_listen="${HABITD_ADDON_WEB_LISTEN:-0.0.0.0:8099}"

log() { printf '[habitd add-on] %s\n' "$*" >&2; }
# 78 is habitd's own exit status for a configuration error.
fail() {
  log "$*"
  exit 78
}

[ -r "$options" ] || fail "cannot read the add-on options at $options"
jq -e 'type == "object"' "$options" >/dev/null 2>&1 || fail "$options is not a JSON object"

# True when the option is set (the Supervisor leaves out optional ones).
has() { jq -e --arg k "$1" 'has($k) and .[$k] != null' "$options" >/dev/null; }
# The option's value; lists comma-separated, as habitd reads list variables.
value() {
  jq -r --arg k "$1" \
    '.[$k] | if type == "array" then join(",") else tostring end' "$options"
}
# Exports variable $2 with option $1's value (and suffix $3) if it is set.
map() {
  if has "$1"; then
    export "$2=$(value "$1")${3:-}"
  fi
}

export HABITD__DATABASE__PATH="$data/habitd.db"
# The Supervisor passes Home Assistant's time zone as TZ.
if [ -n "${TZ:-}" ]; then
  export HABITD__ANALYSIS__TIMEZONE="$TZ"
fi

map schedule HABITD__ANALYSIS__SCHEDULE
map window_days HABITD__ANALYSIS__WINDOW d
map retention_days HABITD__INGEST__RETENTION d
map eventstream_topic HABITD__SOURCES__EVENTSTREAM_TOPIC
map statestream_base HABITD__SOURCES__STATESTREAM_BASE
map zigbee2mqtt_base HABITD__SOURCES__ZIGBEE2MQTT_BASE
map include_domains HABITD__INGEST__INCLUDE_DOMAINS
map exclude_domains HABITD__INGEST__EXCLUDE_DOMAINS
map include_entities HABITD__INGEST__INCLUDE_ENTITIES
map exclude_entities HABITD__INGEST__EXCLUDE_ENTITIES
map automation_syntax HABITD__SUGGESTIONS__AUTOMATION_SYNTAX
map deploy_disabled HABITD__HOMEASSISTANT__DEPLOY_DISABLED
map log_level HABITD__LOG__LEVEL
map llm_base_url HABITD__LLM__BASE_URL
map llm_api_key HABITD__LLM__API_KEY
map llm_model HABITD__LLM__MODEL
map llm_concurrency HABITD__LLM__CONCURRENCY

# The MQTT broker: the add-on options if they name one, otherwise the one the
# Supervisor offers (the Mosquitto broker add-on).
if has mqtt_host; then
  map mqtt_host HABITD__MQTT__HOST
  map mqtt_port HABITD__MQTT__PORT
  map mqtt_username HABITD__MQTT__USERNAME
  map mqtt_password HABITD__MQTT__PASSWORD
  log "MQTT broker from the add-on options: $HABITD__MQTT__HOST:${HABITD__MQTT__PORT:-1883}"
else
  [ -n "${SUPERVISOR_TOKEN:-}" ] || fail "no MQTT broker: set mqtt_host in the add-on options"
  if ! service="$(curl -fsS --max-time 10 \
    -H "Authorization: Bearer $SUPERVISOR_TOKEN" "$supervisor/services/mqtt")"; then
    fail "no MQTT broker: install and start the Mosquitto broker add-on, or set mqtt_host in the add-on options"
  fi
  mqtt() { jq -r --arg k "$1" '.data[$k] // empty | tostring' <<<"$service"; }
  HABITD__MQTT__HOST="$(mqtt host)"
  [ -n "$HABITD__MQTT__HOST" ] || fail "the Supervisor's MQTT service names no host"
  HABITD__MQTT__PORT="$(mqtt port)"
  HABITD__MQTT__USERNAME="$(mqtt username)"
  HABITD__MQTT__PASSWORD="$(mqtt password)"
  export HABITD__MQTT__HOST HABITD__MQTT__PORT HABITD__MQTT__USERNAME HABITD__MQTT__PASSWORD
  if [ "$(mqtt ssl)" = "true" ]; then
    export HABITD__MQTT__TLS__ENABLED=true
  fi
  log "MQTT broker from the Supervisor: $HABITD__MQTT__HOST:$HABITD__MQTT__PORT (user ${HABITD__MQTT__USERNAME:-none})"
fi
if has mqtt_ca_file; then
  export HABITD__MQTT__TLS__ENABLED=true
  map mqtt_ca_file HABITD__MQTT__TLS__CA_FILE
fi

# Home Assistant's API through the Supervisor's proxy (homeassistant_api:
# true): entity names, areas, existing automations, and deploying.
if [ -n "${SUPERVISOR_TOKEN:-}" ]; then
  export HABITD__HOMEASSISTANT__URL="$supervisor/core"
  export HABITD__HOMEASSISTANT__TOKEN="$SUPERVISOR_TOKEN"
fi

# The review page on the ingress port, answering only the Supervisor's
# ingress proxy (its fixed address), which has logged the user in to Home
# Assistant already: the page opens in the sidebar with no password of its own.
export HABITD__WEB__LISTEN="$web_listen"
export HABITD__WEB__INGRESS_PROXY=172.30.32.2

if [ "$#" -eq 0 ]; then
  set -- run
fi
exec "$habitd" "$@"
