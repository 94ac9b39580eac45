//! Loading and validation, with the environment passed in explicitly.

use std::io::Write;
use std::time::Duration;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load_env(pairs: &[(&str, &str)]) -> Result<Loaded, ConfigError> {
    load_from(None, env(pairs))
}

fn error_of(pairs: &[(&str, &str)]) -> String {
    match load_env(pairs) {
        Ok(_) => panic!("expected {pairs:?} to be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn embedded_defaults_are_valid_and_complete() {
    let loaded = load_env(&[("HABITD__ANALYSIS__TIMEZONE", "UTC")]).unwrap();
    assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
    let c = loaded.config;
    assert_eq!(c.mqtt.host, "127.0.0.1");
    assert_eq!(c.mqtt.port, 1883);
    assert_eq!(c.mqtt.base_topic, "habitd");
    assert_eq!(c.mqtt.discovery_prefix, "homeassistant");
    assert_eq!(c.mqtt.keep_alive, Duration::from_secs(30));
    assert!(c.mqtt.credentials.is_none());
    assert!(c.mqtt.tls.is_none());
    assert_eq!(
        c.analysis.schedule,
        Some(jiff::civil::Time::constant(3, 0, 0, 0))
    );
}

#[test]
fn environment_overrides_nested_keys() {
    let c = load_env(&[
        ("HABITD__MQTT__HOST", "broker.lan"),
        ("HABITD__MQTT__PORT", "8883"),
        ("HABITD__DATABASE__PATH", "/var/lib/habitd/habitd.db"),
        ("HABITD__ANALYSIS__TIMEZONE", "Europe/Berlin"),
        ("HABITD__ANALYSIS__SCHEDULE", "04:30"),
        ("HABITD__MQTT__CLIENT_ID", "12345"),
        ("UNRELATED", "ignored"),
    ])
    .unwrap()
    .config;
    assert_eq!(c.mqtt.host, "broker.lan");
    assert_eq!(c.mqtt.port, 8883);
    // A numeric-looking string stays a string where a string is expected.
    assert_eq!(c.mqtt.client_id, "12345");
    assert_eq!(c.database.path.to_str(), Some("/var/lib/habitd/habitd.db"));
    assert_eq!(c.analysis.timezone.iana_name(), Some("Europe/Berlin"));
    assert_eq!(
        c.analysis.schedule,
        Some(jiff::civil::Time::constant(4, 30, 0, 0))
    );
}

#[test]
fn file_layer_sits_between_defaults_and_environment() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        file,
        "[mqtt]\nhost = \"from-file\"\nport = 1884\n[analysis]\ntimezone = \"UTC\"\nschedule = \"off\""
    )
    .unwrap();
    let loaded = load_from(Some(file.path()), env(&[("HABITD__MQTT__PORT", "1885")])).unwrap();
    assert_eq!(loaded.config.mqtt.host, "from-file");
    assert_eq!(loaded.config.mqtt.port, 1885);
    assert_eq!(loaded.config.analysis.schedule, None);
}

#[test]
fn an_area_mapping_from_the_file() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "[areas]\nkitchen = [\"light.kitchen_*\", \"switch.kettle\"]\n[analysis]\ntimezone = \"UTC\"").unwrap();
    let c = load_from(Some(file.path()), env(&[])).unwrap().config;
    assert_eq!(
        c.areas,
        vec![(
            "kitchen".to_owned(),
            vec!["light.kitchen_*".to_owned(), "switch.kettle".to_owned()]
        )]
    );
    let mut bad = tempfile::NamedTempFile::new().unwrap();
    writeln!(bad, "[areas]\nkitchen = [\"kettle\"]").unwrap();
    let err = load_from(Some(bad.path()), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("areas.kitchen"), "{err}");
}

#[test]
fn a_missing_config_file_is_an_error() {
    let err = load_from(
        Some(std::path::Path::new("/nonexistent/habitd.toml")),
        env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("/nonexistent/habitd.toml"), "{err}");
}

#[test]
fn bad_values_name_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("HABITD__MQTT__PORT", "not-a-port", "mqtt.port"),
        ("HABITD__MQTT__PORT", "70000", "mqtt.port"),
        ("HABITD__MQTT__PORT", "0", "mqtt.port"),
        ("HABITD__MQTT__KEEP_ALIVE", "soon", "mqtt.keep_alive"),
        ("HABITD__MQTT__KEEP_ALIVE", "1s", "mqtt.keep_alive"),
        ("HABITD__MQTT__BASE_TOPIC", "habitd/#", "mqtt.base_topic"),
        (
            "HABITD__ANALYSIS__TIMEZONE",
            "Mars/Olympus",
            "analysis.timezone",
        ),
        ("HABITD__ANALYSIS__SCHEDULE", "25:00", "analysis.schedule"),
        ("HABITD__DATABASE__POOL_SIZE", "0", "database.pool_size"),
        ("HABITD__LOG__LEVEL", "loud", "log.level"),
        ("HABITD__MQTT__TLS__ENABLED", "maybe", "mqtt.tls.enabled"),
        ("HABITD__INGEST__RETENTION", "1h", "ingest.retention"),
        (
            "HABITD__LLM__BASE_URL",
            "http://localhost:11434/v1",
            "llm.model",
        ),
        ("HABITD__LLM__BASE_URL", "localhost:11434", "llm.base_url"),
        (
            "HABITD__SUGGESTIONS__AUTOMATION_SYNTAX",
            "newest",
            "suggestions.automation_syntax",
        ),
        (
            "HABITD__HOMEASSISTANT__URL",
            "homeassistant.local",
            "homeassistant.url",
        ),
        (
            "HABITD__HOMEASSISTANT__URL",
            "http://ha.local:8123",
            "homeassistant.token",
        ),
        ("HABITD__INGEST__BATCH_SIZE", "0", "ingest.batch_size"),
        (
            "HABITD__INGEST__EXCLUDE_ENTITIES",
            "battery",
            "ingest.exclude_entities",
        ),
        (
            "HABITD__SOURCES__ZIGBEE2MQTT_BASE",
            "z2m/#",
            "sources.zigbee2mqtt_base",
        ),
    ];
    for (var, value, key) in cases {
        let err = error_of(&[(var, value)]);
        assert!(
            err.contains(key),
            "{var}={value}: {err:?} does not name {key}"
        );
    }
}

#[test]
fn lists_and_disabled_sources_from_the_environment() {
    let c = load_env(&[
        ("HABITD__INGEST__EXCLUDE_DOMAINS", "sun, weather"),
        ("HABITD__INGEST__INCLUDE_ENTITIES", "light.*,switch.kettle"),
        ("HABITD__SOURCES__STATESTREAM_BASE", ""),
        ("HABITD__INGEST__RETENTION", "30d"),
    ])
    .unwrap()
    .config;
    assert_eq!(c.ingest.exclude_domains, ["sun", "weather"]);
    assert_eq!(c.ingest.include_entities, ["light.*", "switch.kettle"]);
    assert_eq!(c.sources.statestream_base, None);
    assert_eq!(c.sources.eventstream_topic.as_deref(), Some("ha_events"));
    assert_eq!(c.ingest.retention, Duration::from_secs(30 * 86_400));
}

#[test]
fn an_empty_list_variable_empties_the_list() {
    // The default excludes five domains; an empty variable must be able to
    // clear that (the add-on passes an emptied option this way).
    let c = load_env(&[
        ("HABITD__INGEST__EXCLUDE_DOMAINS", ""),
        ("HABITD__INGEST__EXCLUDE_ENTITIES", ""),
    ])
    .unwrap()
    .config;
    assert!(c.ingest.exclude_domains.is_empty());
    assert!(c.ingest.exclude_entities.is_empty());
}

#[test]
fn unknown_keys_are_reported_not_fatal() {
    let loaded = load_env(&[
        ("HABITD__MQTT__HOTS", "typo"),
        ("HABITD__ANALYSIS__TIMEZONE", "UTC"),
    ])
    .unwrap();
    assert_eq!(loaded.unknown_keys, vec!["mqtt.hots".to_string()]);
}

#[test]
fn password_comes_from_a_file_and_is_never_printed() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "s3cret-pass").unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let c = load_env(&[
        ("HABITD__MQTT__USERNAME", "habitd"),
        ("HABITD__MQTT__PASSWORD_FILE", &path),
    ])
    .unwrap()
    .config;
    let creds = c.mqtt.credentials.as_ref().unwrap();
    assert_eq!(creds.password.expose(), "s3cret-pass");
    let printed = c.to_toml(false).unwrap();
    let text = format!("{c:?}\n{}", printed.text);
    assert!(!text.contains("s3cret-pass"), "{text}");
    assert!(text.contains("<redacted>"));
    // The file is named instead, so the printed text still reproduces it.
    assert!(printed.elided.is_empty(), "{:?}", printed.elided);
    assert!(printed.text.contains(&format!("password_file = {path:?}")));
    let again = reload(&printed.text);
    let creds = again.mqtt.credentials.as_ref().unwrap();
    assert_eq!(creds.password.expose(), "s3cret-pass");
}

#[test]
fn password_inline_and_from_file_conflict() {
    let err = error_of(&[
        ("HABITD__MQTT__USERNAME", "u"),
        ("HABITD__MQTT__PASSWORD", "p"),
        ("HABITD__MQTT__PASSWORD_FILE", "/etc/hostname"),
    ]);
    assert!(err.contains("mqtt.password_file"), "{err}");
}

#[test]
fn unreadable_secret_file_names_the_key() {
    let err = error_of(&[
        ("HABITD__MQTT__USERNAME", "u"),
        ("HABITD__MQTT__PASSWORD_FILE", "/nonexistent/secret"),
    ]);
    assert!(err.contains("mqtt.password_file"), "{err}");
}

#[test]
fn tls_client_certificate_needs_its_key() {
    let cert = tempfile::NamedTempFile::new().unwrap();
    let ca = cert.path().to_str().unwrap();
    let err = error_of(&[("HABITD__MQTT__TLS__ENABLED", "true")]);
    assert!(err.contains("mqtt.tls.ca_file"), "{err}");
    let err = error_of(&[
        ("HABITD__MQTT__TLS__ENABLED", "true"),
        ("HABITD__MQTT__TLS__CA_FILE", ca),
        (
            "HABITD__MQTT__TLS__CLIENT_CERT_FILE",
            cert.path().to_str().unwrap(),
        ),
    ]);
    assert!(err.contains("mqtt.tls.client_key_file"), "{err}");
}

#[test]
fn the_web_page_listens_elsewhere_only_when_protected() {
    let tz = ("HABITD__ANALYSIS__TIMEZONE", "UTC");
    let web = load_env(&[tz]).unwrap().config.web.expect("on by default");
    assert_eq!(web.listen.to_string(), "127.0.0.1:8099");
    assert!(web.token.is_none() && web.ingress_proxy.is_none());

    let open = error_of(&[tz, ("HABITD__WEB__LISTEN", "0.0.0.0:8099")]);
    assert!(
        open.contains("web.listen") && open.contains("web.token"),
        "{open}"
    );
    let bad = error_of(&[tz, ("HABITD__WEB__LISTEN", "localhost")]);
    assert!(bad.contains("web.listen"), "{bad}");
    let bad = error_of(&[tz, ("HABITD__WEB__INGRESS_PROXY", "supervisor")]);
    assert!(bad.contains("web.ingress_proxy"), "{bad}");

    let with_token = load_env(&[
        tz,
        ("HABITD__WEB__LISTEN", "0.0.0.0:8099"),
        ("HABITD__WEB__TOKEN", "s3cret"),
    ])
    .unwrap()
    .config;
    let web = with_token.web.unwrap();
    assert_eq!(web.token.as_ref().map(Secret::expose), Some("s3cret"));
    assert!(!format!("{web:?}").contains("s3cret"));
    let ingress = load_env(&[
        tz,
        ("HABITD__WEB__LISTEN", "0.0.0.0:8099"),
        ("HABITD__WEB__INGRESS_PROXY", "172.30.32.2"),
    ])
    .unwrap()
    .config;
    assert_eq!(
        ingress.web.unwrap().ingress_proxy.map(|ip| ip.to_string()),
        Some("172.30.32.2".into())
    );
    let off = load_env(&[tz, ("HABITD__WEB__ENABLED", "false")]).unwrap();
    assert!(off.config.web.is_none());
}

/// The Debian package's conffile is a valid configuration, and names the
/// service's database, so that every command run with it finds that one.
#[test]
fn the_packaged_conffile_names_the_services_database() {
    let conffile =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/deb/habitd.toml");
    let loaded = load_from(Some(&conffile), []).unwrap();
    assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
    assert_eq!(
        loaded.config.database.path,
        std::path::Path::new("/var/lib/habitd/habitd.db")
    );
}

/// One start names every key to fix, not only the first.
#[test]
fn every_bad_key_is_reported_at_once() {
    let error = error_of(&[
        ("HABITD__MQTT__PORT", "0"),
        ("HABITD__LIMITS__STATE_CHARS", "1"),
        ("HABITD__LLM__BASE_URL", "ftp://x"),
    ]);
    for key in ["mqtt.port", "limits.state_chars", "llm.base_url"] {
        assert!(error.contains(key), "{key} missing from: {error}");
    }
    assert!(error.starts_with("3 config keys to fix"), "{error}");
}

/// Loads `text` as the one config file, with no environment, and checks
/// that it holds no key that is not a config key.
fn reload(text: &str) -> Config {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let loaded = load_from(Some(file.path()), env(&[]))
        .unwrap_or_else(|e| panic!("the printed config does not load: {e}\n{text}"));
    assert!(
        loaded.unknown_keys.is_empty(),
        "{:?}\n{text}",
        loaded.unknown_keys
    );
    loaded.config
}

/// Everything of a config: its Debug (secrets redacted) and the secrets.
fn everything(c: &Config) -> String {
    let secrets = [
        c.mqtt.credentials.as_ref().map(|c| &c.password),
        c.homeassistant.as_ref().map(|h| &h.token),
        c.llm.as_ref().and_then(|l| l.api_key.as_ref()),
        c.web.as_ref().and_then(|w| w.token.as_ref()),
    ]
    .map(|s| s.map(|s| (s.expose().to_owned(), s.file().map(Path::to_path_buf))));
    format!("{c:#?}\n{secrets:?}")
}

#[test]
fn check_config_prints_a_file_that_loads_back_to_the_same_config() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let token = dir.path().join("ha-token");
    std::fs::write(&ca, "not read at load time").unwrap();
    std::fs::write(&token, "ha-secret-token\n").unwrap();
    let text = format!(
        r#"
[mqtt]
host = "broker.lan"
port = 8883
client_id = "habitd-test"
username = "habitd"
password = "mqtt-secret"
keep_alive = "45s"
reconnect_max_delay = "2m 30s"
base_topic = "home/habitd"
decisions = "no_deploy"
[mqtt.tls]
enabled = true
ca_file = {ca:?}
[sources]
statestream_base = ""
[homeassistant]
url = "http://homeassistant.local:8123/"
token_file = {token:?}
timeout = "1m"
discovery = "entity"
notify = true
backfill_days = 7
[areas]
kitchen = ["light.kitchen_*", "binary_sensor.kitchen_*"]
living_room = ["media_player.tv"]
[suggestions]
expire_after = "10d 12h"
automation_syntax = "legacy"
max_per_run = 20
[safety]
never_entities = ["switch.aquarium_*"]
heat_words = ["Heater", "sauna"]
[llm]
base_url = "http://localhost:11434/v1/"
api_key = "sk-llm-secret"
model = "llama3.2"
timeout = "90s"
max_retries = 5
phase_timeout = "4m"
[ingest]
flush_interval = "1m 30s"
retention = "90d"
include_domains = ["light", "switch"]
exclude_domains = []
exclude_entities = ["sensor.*_battery"]
[limits]
statestream_bytes = 4096
clock_tolerance = "5m"
[database]
path = "/var/lib/habitd/test.db"
busy_timeout = "2500ms"
[analysis]
timezone = "Europe/Berlin"
schedule = "04:30:15"
window = "45d"
routine_min_days = 4
routine_min_share = 0.55
routine_window = "20m"
routine_max_spread = "12m 30s"
sequence_max_delay = "2m 30s"
sequence_min_z = 4.5
[log]
level = "DEBUG"
[web]
listen = "0.0.0.0:8100"
token = "web-secret"
"#
    );
    let c = reload(&text);
    assert_eq!(c.areas.len(), 2);

    let printed = c.to_toml(true).unwrap();
    assert!(printed.elided.is_empty());
    let again = reload(&printed.text);
    assert_eq!(everything(&again), everything(&c), "{}", printed.text);
    // Printing is a fixed point, in the loader's words.
    assert_eq!(again.to_toml(true).unwrap().text, printed.text);
    for line in [
        "expire_after = \"10d 12h\"",
        "window = \"45d\"",
        "routine_max_spread = \"12m 30s\"",
        "schedule = \"04:30:15\"",
        "kitchen = [",
        "[areas]",
    ] {
        assert!(printed.text.contains(line), "{line} in\n{}", printed.text);
    }

    // Without --show-secrets the inline ones are named, not printed; the
    // one from a file is its file.
    let masked = c.to_toml(false).unwrap();
    assert_eq!(masked.elided, ["mqtt.password", "llm.api_key", "web.token"]);
    for secret in [
        "mqtt-secret",
        "ha-secret-token",
        "sk-llm-secret",
        "web-secret",
    ] {
        assert!(
            !masked.text.contains(secret),
            "{secret} in\n{}",
            masked.text
        );
    }
    assert!(masked.text.contains(&format!("token_file = {token:?}")));
}

#[test]
fn the_defaults_print_as_a_file_that_loads_back() {
    let c = load_env(&[("HABITD__ANALYSIS__TIMEZONE", "UTC")])
        .unwrap()
        .config;
    let printed = c.to_toml(false).unwrap();
    assert!(printed.elided.is_empty());
    let again = reload(&printed.text);
    assert_eq!(everything(&again), everything(&c), "{}", printed.text);
    // Sections that are off print their defaults and stay off.
    assert!(again.homeassistant.is_none() && again.llm.is_none() && again.mqtt.tls.is_none());
}
