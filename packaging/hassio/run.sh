#!/usr/bin/env bashio
# shellcheck shell=bash
# Entry point of the habitd add-on. It turns the add-on options and the MQTT
# broker the Supervisor knows of into habitd's HABITD__SECTION__KEY
# environment, then execs habitd, which validates everything and names any key
# it rejects.
#
# bashio (in Home Assistant's base images) asks the Supervisor for both, at
# $SUPERVISOR_API with $SUPERVISOR_TOKEN, as every add-on does. For a run
# outside the add-on (tests/addon.rs) these can be changed:
#   HABITD_ADDON_DATA        where the database is (/data)
#   HABITD_BIN               the binary (/usr/bin/habitd)
#   HABITD_ADDON_WEB_LISTEN  the review page's address (0.0.0.0:8099, config.yaml's ingress_port)
set -euo pipefail

data="${HABITD_ADDON_DATA:-/data}"
habitd="${HABITD_BIN:-/usr/bin/habitd}"
web_listen="${HABITD_ADDON_WEB_LISTEN:-0.0.0.0:8099}"
supervisor="${SUPERVISOR_API:-http://supervisor}"

# 78 is habitd's own exit status for a configuration error.
fail() {
  bashio::log.fatal "$*"
  exit 78
}

# Exports variable $2 with option $1's value (and suffix $3) if it is set;
# the Supervisor leaves out optional options nobody filled in.
map() {
  if bashio::config.has_value "$1"; then
    export "$2=$(bashio::config "$1")${3:-}"
  fi
}
# The same for a list option, comma-separated as habitd reads list variables.
# A list emptied in the options is exported empty, so that habitd's default
# list does not come back.
map_list() {
  local items
  if bashio::config.exists "$1"; then
    # One item a line (bashio's form for lists).
    items="$(bashio::config "$1")"
    export "$2=${items//$'\n'/,}"
  fi
}

# The options, asked for once here (bashio keeps them for the calls below), so
# that a Supervisor that cannot be reached is named rather than every option
# silently left at habitd's default.
bashio::addon.config >/dev/null || fail "cannot read the add-on options from the Supervisor at $supervisor"

export HABITD__DATABASE__PATH="$data/habitd.db"
# The Supervisor passes Home Assistant's time zone as TZ.
if bashio::var.has_value "${TZ:-}"; then
  export HABITD__ANALYSIS__TIMEZONE="$TZ"
fi

map schedule HABITD__ANALYSIS__SCHEDULE
map window_days HABITD__ANALYSIS__WINDOW d
map retention_days HABITD__INGEST__RETENTION d
map backfill_days HABITD__HOMEASSISTANT__BACKFILL_DAYS
map eventstream_topic HABITD__SOURCES__EVENTSTREAM_TOPIC
map statestream_base HABITD__SOURCES__STATESTREAM_BASE
map zigbee2mqtt_base HABITD__SOURCES__ZIGBEE2MQTT_BASE
map_list include_domains HABITD__INGEST__INCLUDE_DOMAINS
map_list exclude_domains HABITD__INGEST__EXCLUDE_DOMAINS
map_list include_entities HABITD__INGEST__INCLUDE_ENTITIES
map_list exclude_entities HABITD__INGEST__EXCLUDE_ENTITIES
map automation_syntax HABITD__SUGGESTIONS__AUTOMATION_SYNTAX
map deploy_disabled HABITD__HOMEASSISTANT__DEPLOY_DISABLED
map log_level HABITD__LOG__LEVEL
map llm_base_url HABITD__LLM__BASE_URL
map llm_api_key HABITD__LLM__API_KEY
map llm_model HABITD__LLM__MODEL
map llm_concurrency HABITD__LLM__CONCURRENCY

# The MQTT broker: the add-on options if they name one, otherwise the one the
# Supervisor offers (the Mosquitto broker add-on).
if bashio::config.has_value mqtt_host; then
  map mqtt_host HABITD__MQTT__HOST
  map mqtt_port HABITD__MQTT__PORT
  map mqtt_username HABITD__MQTT__USERNAME
  map mqtt_password HABITD__MQTT__PASSWORD
  bashio::log.info "MQTT broker from the add-on options: $HABITD__MQTT__HOST:${HABITD__MQTT__PORT:-1883}"
elif bashio::services.available mqtt; then
  HABITD__MQTT__HOST="$(bashio::services mqtt host)"
  bashio::var.has_value "$HABITD__MQTT__HOST" || fail "the Supervisor's MQTT service names no host"
  HABITD__MQTT__PORT="$(bashio::services mqtt port)"
  HABITD__MQTT__USERNAME="$(bashio::services mqtt username)"
  HABITD__MQTT__PASSWORD="$(bashio::services mqtt password)"
  export HABITD__MQTT__HOST HABITD__MQTT__PORT HABITD__MQTT__USERNAME HABITD__MQTT__PASSWORD
  if bashio::var.true "$(bashio::services mqtt ssl)"; then
    export HABITD__MQTT__TLS__ENABLED=true
  fi
  bashio::log.info "MQTT broker from the Supervisor: $HABITD__MQTT__HOST:$HABITD__MQTT__PORT (user ${HABITD__MQTT__USERNAME:-none})"
else
  fail "no MQTT broker: install and start the Mosquitto broker add-on, or set mqtt_host in the add-on options"
fi
if bashio::config.has_value mqtt_ca_file; then
  export HABITD__MQTT__TLS__ENABLED=true
  map mqtt_ca_file HABITD__MQTT__TLS__CA_FILE
fi

# Home Assistant's API through the Supervisor's proxy (homeassistant_api:
# true): entity names, areas, existing automations, the history a first start
# fetches (backfill_days), and deploying.
if bashio::var.has_value "${SUPERVISOR_TOKEN:-}"; then
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
