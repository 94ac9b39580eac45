//! The Home Assistant add-on in `packaging/hassio/`.
//!
//! No Docker engine or Supervisor runs here, so the add-on is checked in two
//! ways. Its files are held to the rules the Supervisor applies when it reads
//! an add-on (transcribed from home-assistant/supervisor
//! `supervisor/addons/validate.py` and `options.py`); a file it rejects makes
//! the add-on silently vanish from the store, so this is worth a test. And its
//! `run.sh` is run as the Supervisor would start it — an options file, a
//! Supervisor answering `/services/mqtt` — with `habitd check-config` in
//! place of `habitd run`, so that habitd itself reports what it was given.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use serde_json::{Value, json};

const SUPERVISOR_TOKEN: &str = "supervisor-token";

fn addon_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/hassio")
}

fn yaml(name: &str) -> Value {
    let path = addon_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn map(value: &Value) -> &serde_json::Map<String, Value> {
    value.as_object().unwrap()
}

// The Supervisor's patterns, as written in its source.
const RE_SLUG: &str = r"^[-_.A-Za-z0-9]+$";
const RE_SERVICE: &str = r"^(?P<service>mqtt|mysql):(?P<rights>provide|want|need)$";
const RE_VOLUME: &str = r"^(data|config|ssl|addons|backup|share|media|homeassistant_config|all_addon_configs|addon_config)(?::(rw|ro))?$";
const RE_DOCKER_IMAGE_BUILD: &str =
    r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$";
const RE_SCHEMA_ELEMENT: &str = concat!(
    r"^(?:",
    r"|bool",
    r"|email",
    r"|url",
    r"|port",
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?",
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?",
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?",
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?",
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?",
    r"|match\((?P<match>.*)\)",
    r"|list\((?P<list>.+)\)",
    r")\??$"
);
/// Every key `_SCHEMA_ADDON_CONFIG` knows. It drops the others silently, so a
/// misspelt key would simply do nothing.
const KNOWN_KEYS: &[&str] = &[
    "name",
    "version",
    "slug",
    "description",
    "arch",
    "machine",
    "url",
    "startup",
    "boot",
    "init",
    "advanced",
    "stage",
    "ports",
    "ports_description",
    "watchdog",
    "webui",
    "ingress",
    "ingress_port",
    "ingress_entry",
    "ingress_stream",
    "panel_icon",
    "panel_title",
    "panel_admin",
    "homeassistant",
    "host_network",
    "host_pid",
    "host_ipc",
    "host_uts",
    "host_dbus",
    "devices",
    "udev",
    "tmpfs",
    "map",
    "environment",
    "privileged",
    "apparmor",
    "full_access",
    "audio",
    "video",
    "gpio",
    "usb",
    "uart",
    "devicetree",
    "kernel_modules",
    "realtime",
    "hassio_api",
    "hassio_role",
    "homeassistant_api",
    "stdin",
    "legacy",
    "docker_api",
    "auth_api",
    "services",
    "discovery",
    "backup_exclude",
    "backup_pre",
    "backup_post",
    "restore_pre",
    "restore_post",
    "backup",
    "options",
    "schema",
    "image",
    "ulimits",
    "timeout",
    "journald",
    "breaking_versions",
];
/// Architectures the Supervisor still builds for; armhf, armv7 and i386 are
/// deprecated since Home Assistant dropped 32-bit systems.
const SUPPORTED_ARCH: &[&str] = &["aarch64", "amd64"];

fn check_schema_type(key: &str, element: &str, value: &Value) -> Result<(), String> {
    let re = Regex::new(RE_SCHEMA_ELEMENT).unwrap();
    let caps = re
        .captures(element)
        .ok_or_else(|| format!("{key}: {element:?} is not a schema type the Supervisor knows"))?;
    let base = element.trim_end_matches('?');
    let number = |name: &str| caps.name(name).map(|m| m.as_str().parse::<f64>().unwrap());
    let within = |v: f64, min: &str, max: &str| {
        number(min).is_none_or(|m| v >= m) && number(max).is_none_or(|m| v <= m)
    };
    let ok = if base.starts_with("bool") {
        value.is_boolean()
    } else if base.starts_with("int") {
        value
            .as_i64()
            .is_some_and(|v| within(v as f64, "i_min", "i_max"))
    } else if base.starts_with("float") {
        value.as_f64().is_some_and(|v| within(v, "f_min", "f_max"))
    } else if base == "port" {
        value.as_u64().is_some_and(|v| (1..=65535).contains(&v))
    } else if let Some(pattern) = caps.name("match") {
        let pattern = Regex::new(pattern.as_str()).map_err(|e| format!("{key}: {e}"))?;
        value.as_str().is_some_and(|v| pattern.is_match(v))
    } else if let Some(list) = caps.name("list") {
        value
            .as_str()
            .is_some_and(|v| list.as_str().split('|').any(|option| option == v))
    } else if base.starts_with("str") || base.starts_with("password") {
        let length = value.as_str().map(|v| v.chars().count() as f64);
        let (min, max) = if base.starts_with("str") {
            ("s_min", "s_max")
        } else {
            ("p_min", "p_max")
        };
        length.is_some_and(|n| within(n, min, max))
    } else {
        value.is_string()
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{key}: {value} does not fit {element:?}"))
    }
}

/// The add-on's options, schema and translations agree, and the defaults
/// pass the schema: the Supervisor refuses to start an add-on otherwise.
#[test]
fn config_yaml_passes_the_supervisors_rules() {
    let config = yaml("config.yaml");
    let config = map(&config);
    let mut problems = Vec::new();

    for key in ["name", "version", "slug", "description", "arch"] {
        if !config.contains_key(key) {
            problems.push(format!("missing required key {key}"));
        }
    }
    for key in config.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            problems.push(format!("{key}: not a key the Supervisor reads"));
        }
    }
    assert_eq!(
        config["version"],
        env!("CARGO_PKG_VERSION"),
        "add-on and crate versions differ"
    );
    assert!(
        Regex::new(RE_SLUG)
            .unwrap()
            .is_match(config["slug"].as_str().unwrap())
    );
    for arch in config["arch"].as_array().unwrap() {
        if !SUPPORTED_ARCH.contains(&arch.as_str().unwrap()) {
            problems.push(format!("arch {arch} is not one the Supervisor supports"));
        }
    }
    // Ingress, as the Supervisor validates it: a boolean, a port (0 lets
    // the Supervisor pick one, which run.sh would then have to ask for), and
    // an icon of Material Design Icons for the sidebar.
    assert_eq!(
        config["ingress"],
        Value::Bool(true),
        "the sidebar page needs ingress"
    );
    let port = config["ingress_port"].as_u64().unwrap_or(0);
    assert!(
        (1..=65535).contains(&port),
        "ingress_port must be a fixed port run.sh can listen on"
    );
    let icon = config["panel_icon"].as_str().unwrap_or_default();
    assert!(
        Regex::new(r"^mdi:[a-z0-9-]+$").unwrap().is_match(icon),
        "{icon}"
    );
    let services: Vec<&str> = config["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        services.contains(&"mqtt:need"),
        "the add-on must ask for the MQTT service"
    );
    let service_syntax = Regex::new(RE_SERVICE).unwrap();
    for service in &services {
        if !service_syntax.is_match(service) {
            problems.push(format!("service {service:?} is malformed"));
        }
    }
    let volume_syntax = Regex::new(RE_VOLUME).unwrap();
    for volume in config
        .get("map")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !volume_syntax.is_match(volume.as_str().unwrap_or_default()) {
            problems.push(format!("map entry {volume} is malformed"));
        }
    }
    assert_eq!(
        config["homeassistant_api"], true,
        "deploying needs the Home Assistant API"
    );
    if let Some(timeout) = config.get("timeout") {
        assert!(
            (10..=300).contains(&timeout.as_u64().unwrap()),
            "timeout out of 10..=300"
        );
    }
    assert!(
        ["application", "services", "system", "initialize", "once"]
            .contains(&config["startup"].as_str().unwrap())
    );

    let schema = map(&config["schema"]);
    let options = map(&config["options"]);
    let element_syntax = Regex::new(RE_SCHEMA_ELEMENT).unwrap();
    for (key, element) in schema {
        let elements = match element {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for element in elements {
            if !element.as_str().is_some_and(|e| element_syntax.is_match(e)) {
                problems.push(format!(
                    "{key}: {element} is not a schema type the Supervisor knows"
                ));
            }
        }
        let optional = match element {
            Value::String(element) => element.ends_with('?'),
            // A list of one element type; lists are never required.
            Value::Array(items) => {
                assert_eq!(
                    items.len(),
                    1,
                    "{key}: a schema list holds one element type"
                );
                true
            }
            other => panic!("{key}: unexpected schema {other}"),
        };
        if !optional && !options.contains_key(key) {
            problems.push(format!(
                "{key}: required but has no default, the add-on would not start"
            ));
        }
        // Secrets are entered in a masked field and kept out of logs.
        let secret = ["password", "api_key", "token"]
            .iter()
            .any(|s| key.contains(s));
        if secret && !element.as_str().is_some_and(|e| e.starts_with("password")) {
            problems.push(format!("{key}: a secret must have the password type"));
        }
    }
    for (key, value) in options {
        let Some(element) = schema.get(key) else {
            problems.push(format!("option {key} has no schema"));
            continue;
        };
        let result = match (element, value) {
            (Value::String(element), value) => check_schema_type(key, element, value),
            (Value::Array(items), Value::Array(values)) => values
                .iter()
                .try_for_each(|v| check_schema_type(key, items[0].as_str().unwrap(), v)),
            _ => Err(format!("{key}: a list option needs a list default")),
        };
        if let Err(problem) = result {
            problems.push(problem);
        }
    }

    // Each option has a name in the UI, and no translation is left over.
    let translations = yaml("translations/en.yaml");
    let names = map(&translations["configuration"]);
    let schema_keys: BTreeSet<&String> = schema.keys().collect();
    let translated: BTreeSet<&String> = names.keys().collect();
    for missing in schema_keys.difference(&translated) {
        problems.push(format!("option {missing} has no translation"));
    }
    for extra in translated.difference(&schema_keys) {
        problems.push(format!("translation {extra} names no option"));
    }
    for (key, text) in names {
        if !text["name"].is_string() {
            problems.push(format!("translation {key} has no name"));
        }
    }

    // run.sh handles every option.
    let run_sh = std::fs::read_to_string(addon_dir().join("run.sh")).unwrap();
    for key in schema.keys() {
        let mapping = format!("map {key} ");
        if !run_sh
            .lines()
            .any(|line| line.trim_start().starts_with(&mapping))
        {
            problems.push(format!("run.sh does not map option {key}"));
        }
    }

    assert!(problems.is_empty(), "config.yaml:\n{}", problems.join("\n"));
}

/// build.yaml names a base image for every architecture and nothing else,
/// and the Dockerfile builds from it with the binary bundle.sh provides.
#[test]
fn build_yaml_and_dockerfile_fit_the_config() {
    let config = yaml("config.yaml");
    let build = yaml("build.yaml");
    let arch: BTreeSet<&str> = config["arch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let images = map(&build["build_from"]);
    let built: BTreeSet<&str> = images.keys().map(String::as_str).collect();
    assert_eq!(
        arch, built,
        "build.yaml and config.yaml list different architectures"
    );
    let re = Regex::new(RE_DOCKER_IMAGE_BUILD).unwrap();
    for (arch, image) in images {
        let image = image.as_str().unwrap();
        assert!(
            re.is_match(image),
            "{arch}: {image:?} is not an image name the Supervisor takes"
        );
        assert!(
            image.contains(arch.as_str()),
            "{arch}: {image:?} is another architecture's image"
        );
    }
    for value in map(&build["labels"]).values() {
        assert!(value.is_string(), "labels are strings");
    }

    let dockerfile = std::fs::read_to_string(addon_dir().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("ARG BUILD_FROM\nFROM ${BUILD_FROM}"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY bin/habitd-${BUILD_ARCH} /usr/bin/habitd"),
        "{dockerfile}"
    );
    // The Supervisor shows the changelog when an update is offered.
    let changelog = std::fs::read_to_string(addon_dir().join("CHANGELOG.md")).unwrap();
    let version = config["version"].as_str().unwrap();
    assert!(
        changelog.contains(&format!("## {version}\n")),
        "CHANGELOG.md has no entry for {version}"
    );
    let bundle = std::fs::read_to_string(addon_dir().join("bundle.sh")).unwrap();
    for file in [
        "config.yaml",
        "build.yaml",
        "Dockerfile",
        "run.sh",
        "DOCS.md",
        "CHANGELOG.md",
        "translations",
    ] {
        assert!(
            bundle.contains(&format!("$here/{file}")),
            "bundle.sh leaves out {file}"
        );
    }
    for arch in &arch {
        assert!(
            bundle.contains(&format!("[{arch}]=")),
            "bundle.sh builds no binary for {arch}"
        );
    }
    let run_sh = std::fs::read_to_string(addon_dir().join("run.sh")).unwrap();
    assert!(
        run_sh.contains("exec \"$habitd\" \"$@\""),
        "run.sh must exec habitd (signals)"
    );
}

/// A Supervisor that answers `GET /services/mqtt` with `reply` to requests
/// carrying the add-on's token, and 401 to others.
fn fake_supervisor(status: &'static str, reply: Value) -> common::http::Server {
    common::http::Server::start(move |request| {
        let (status, body) = if request.bearer.as_deref() != Some(SUPERVISOR_TOKEN) {
            (
                "401 Unauthorized",
                json!({"result": "error", "message": "Unauthorized"}),
            )
        } else if request.method() == "GET" && request.path() == "/services/mqtt" {
            (status, reply.clone())
        } else {
            (
                "404 Not Found",
                json!({"result": "error", "message": "not found"}),
            )
        };
        (status, body.to_string().into_bytes())
    })
}

/// The options file the Supervisor writes when the user changes nothing.
fn default_options() -> serde_json::Map<String, Value> {
    map(&yaml("config.yaml")["options"]).clone()
}

/// `bash run.sh`, started as the Supervisor starts the add-on: an options
/// file, the Supervisor's address and token, Home Assistant's time zone, and
/// nothing else in the environment.
fn addon(dir: &Path, options: &serde_json::Map<String, Value>, supervisor: &str) -> Command {
    static TOOLS: std::sync::Once = std::sync::Once::new();
    TOOLS.call_once(|| {
        for tool in ["bash", "jq", "curl"] {
            let found = Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "run.sh needs {tool} (as in Home Assistant's base images): apt-get install {tool}"
            );
        }
    });
    let options_file = dir.join("options.json");
    std::fs::write(&options_file, serde_json::to_vec(options).unwrap()).unwrap();
    let mut command = Command::new("bash");
    command
        .arg(addon_dir().join("run.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TZ", "Europe/Berlin")
        .env("SUPERVISOR_TOKEN", SUPERVISOR_TOKEN)
        .env("SUPERVISOR_API", supervisor)
        .env("HABITD_ADDON_OPTIONS", &options_file)
        .env("HABITD_ADDON_DATA", dir)
        .env("HABITD_BIN", env!("CARGO_BIN_EXE_habitd"));
    command
}

/// Runs `run.sh check-config`: (exit code, stdout, stderr).
fn run_addon(
    dir: &Path,
    options: &serde_json::Map<String, Value>,
    supervisor: &str,
) -> (Option<i32>, String, String) {
    let output = addon(dir, options, supervisor)
        .arg("check-config")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// habitd's effective configuration, as `check-config` prints it.
fn effective(stdout: &str) -> toml::Table {
    stdout
        .parse()
        .unwrap_or_else(|e| panic!("check-config printed no TOML: {e}\n{stdout}"))
}

/// The broker habitd would connect to, as `check-config` printed it.
fn assert_broker(config: &toml::Table, host: &str, port: i64, username: &str) {
    let mqtt = &config["mqtt"];
    assert_eq!(mqtt["host"].as_str(), Some(host), "{mqtt}");
    assert_eq!(mqtt["port"].as_integer(), Some(port), "{mqtt}");
    assert_eq!(mqtt["username"].as_str(), Some(username), "{mqtt}");
}

fn mosquitto_service() -> Value {
    json!({"result": "ok", "data": {
        "addon": "core_mosquitto", "host": "core-mosquitto", "port": 1883, "ssl": false,
        "protocol": "3.1.1", "username": "addons", "password": "Eeph5aiT"
    }})
}

#[test]
fn run_sh_gives_habitd_the_options_and_the_supervisors_broker() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor("200 OK", mosquitto_service());
    let mut options = default_options();
    options.insert("window_days".into(), json!(45));
    options.insert("exclude_domains".into(), json!([]));
    options.insert(
        "exclude_entities".into(),
        json!(["sensor.*_battery", "light.hall"]),
    );
    options.insert("llm_base_url".into(), json!("http://ollama.local:11434/v1"));
    options.insert("llm_model".into(), json!("llama3.2"));
    options.insert("llm_api_key".into(), json!("sk-never-printed"));

    let (code, stdout, stderr) = run_addon(dir.path(), &options, &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let config = effective(&stdout);

    // The broker the Supervisor named, its password never printed.
    assert_broker(&config, "core-mosquitto", 1883, "addons");
    assert_eq!(config["mqtt"]["tls"]["enabled"].as_bool(), Some(false));
    assert_eq!(supervisor.requests(), ["GET /services/mqtt HTTP/1.1"]);
    // Home Assistant through the Supervisor's proxy.
    assert_eq!(
        config["homeassistant"]["url"].as_str(),
        Some(format!("{}/core", supervisor.url).as_str())
    );
    assert_eq!(
        config["homeassistant"]["deploy_disabled"].as_bool(),
        Some(false)
    );
    // The add-on's persistent folder, and Home Assistant's time zone.
    assert_eq!(
        config["database"]["path"].as_str(),
        dir.path().join("habitd.db").to_str()
    );
    assert_eq!(
        config["analysis"]["timezone"].as_str(),
        Some("Europe/Berlin")
    );
    // check-config prints durations as they are written: 45 and 60 days.
    assert_eq!(config["analysis"]["window"].as_str(), Some("45d"));
    assert_eq!(config["ingest"]["retention"].as_str(), Some("60d"));
    // Lists, including one emptied in the options.
    assert_eq!(
        config["ingest"]["exclude_domains"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(
        config["ingest"]["include_domains"].as_array().map(Vec::len),
        Some(0)
    );
    let excluded: Vec<&str> = config["ingest"]["exclude_entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(excluded, ["sensor.*_battery", "light.hall"]);
    assert_eq!(
        config["sources"]["eventstream_topic"].as_str(),
        Some("ha_events")
    );
    assert_eq!(
        config["llm"]["base_url"].as_str(),
        Some("http://ollama.local:11434/v1")
    );
    assert_eq!(config["llm"]["model"].as_str(), Some("llama3.2"));
    assert_eq!(config["log"]["level"].as_str(), Some("info"));
    // The review page on the ingress port, for the ingress proxy alone.
    let ingress_port = yaml("config.yaml")["ingress_port"].as_i64().unwrap();
    assert_eq!(
        config["web"]["listen"].as_str(),
        Some(format!("0.0.0.0:{ingress_port}").as_str())
    );
    assert_eq!(config["web"]["ingress_proxy"].as_str(), Some("172.30.32.2"));
    for secret in ["Eeph5aiT", "sk-never-printed", SUPERVISOR_TOKEN] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} was printed"
        );
    }
    assert!(
        stderr.contains("MQTT broker from the Supervisor: core-mosquitto:1883"),
        "{stderr}"
    );
}

#[test]
fn run_sh_prefers_a_broker_named_in_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor("200 OK", mosquitto_service());
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not checked until habitd connects").unwrap();
    let mut options = default_options();
    options.insert("mqtt_host".into(), json!("broker.lan"));
    options.insert("mqtt_port".into(), json!(8883));
    options.insert("mqtt_username".into(), json!("habitd"));
    options.insert("mqtt_password".into(), json!("hunter2hunter2"));
    options.insert("mqtt_ca_file".into(), json!(ca));

    let (code, stdout, stderr) = run_addon(dir.path(), &options, &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let config = effective(&stdout);
    assert_broker(&config, "broker.lan", 8883, "habitd");
    assert_eq!(config["mqtt"]["tls"]["ca_file"].as_str(), ca.to_str());
    assert!(!stdout.contains("hunter2hunter2"));
    assert!(
        supervisor.requests().is_empty(),
        "the Supervisor was asked for a broker"
    );
}

#[test]
fn run_sh_without_a_broker_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor(
        "400 Bad Request",
        json!({"result": "error", "message": "No mqtt service"}),
    );
    let (code, stdout, stderr) = run_addon(dir.path(), &default_options(), &supervisor.url);
    assert_eq!(code, Some(78), "{stdout}{stderr}");
    assert!(
        stderr.contains("install and start the Mosquitto broker add-on"),
        "{stderr}"
    );
}

#[test]
fn run_sh_passes_on_habitds_own_refusal() {
    // The schema takes any string as a topic; habitd refuses a wildcard and
    // names the key, and that reaches the add-on log unchanged.
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor("200 OK", mosquitto_service());
    let mut options = default_options();
    options.insert("eventstream_topic".into(), json!("ha/#"));
    let (code, _, stderr) = run_addon(dir.path(), &options, &supervisor.url);
    assert_eq!(code, Some(78), "{stderr}");
    assert!(stderr.contains("sources.eventstream_topic"), "{stderr}");
}

/// The add-on as it starts for real: `run.sh` without arguments runs the
/// daemon on the broker the Supervisor names, and because it execs habitd,
/// the Supervisor's SIGTERM reaches habitd itself, which says goodbye.
#[tokio::test]
async fn the_addon_runs_habitd_on_the_supervisors_broker() {
    let broker = common::Broker::start();
    let mut watcher = common::Watcher::connect(broker.port, "habitd/availability").await;
    let supervisor = fake_supervisor(
        "200 OK",
        json!({"result": "ok", "data": {
            "addon": "core_mosquitto", "host": "127.0.0.1", "port": broker.port,
            "ssl": false, "protocol": "3.1.1", "username": "addons", "password": "Eeph5aiT"
        }}),
    );
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("addon.log")).unwrap();
    let mut command = addon(dir.path(), &default_options(), &supervisor.url);
    // A free port of the test's own instead of the ingress port.
    command.env("HABITD_ADDON_WEB_LISTEN", "127.0.0.1:0");
    command.stdout(std::process::Stdio::null()).stderr(log);
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let read_log = || std::fs::read_to_string(dir.path().join("addon.log")).unwrap_or_default();

    watcher.wait_for_text("habitd/availability", "online").await;
    assert!(dir.path().join("habitd.db").exists(), "{}", read_log());

    // The process the Supervisor started is habitd now, not a shell.
    let pid = child.id().unwrap();
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "habitd");
    common::sigterm(pid);
    watcher
        .wait_for_text("habitd/availability", "offline")
        .await;
    let status = tokio::time::timeout(common::PATIENCE, child.wait())
        .await
        .unwrap_or_else(|_| panic!("habitd did not stop:\n{}", read_log()))
        .unwrap();
    assert_eq!(status.code(), Some(0), "{}", read_log());
}

/// The add-on's option defaults repeat some of `config/default.toml` (the
/// Supervisor shows them in its form); they must not drift apart. What the
/// add-on sets on purpose (broker, Home Assistant, database path, time zone,
/// the review page behind ingress)
/// is left out of the comparison.
#[test]
fn the_addons_defaults_are_habitds_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor("200 OK", mosquitto_service());
    let (code, addon_stdout, stderr) = run_addon(dir.path(), &default_options(), &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_habitd"))
        .arg("check-config")
        .env_clear()
        .output()
        .unwrap();
    assert!(output.status.success());
    let plain_stdout = String::from_utf8_lossy(&output.stdout);

    let comparable = |stdout: &str| {
        let mut config = effective(stdout);
        for section in ["mqtt", "homeassistant", "web"] {
            config.remove(section);
        }
        for (section, key) in [("database", "path"), ("analysis", "timezone")] {
            config[section].as_table_mut().unwrap().remove(key);
        }
        config
    };
    assert_eq!(comparable(&addon_stdout), comparable(&plain_stdout));
}
