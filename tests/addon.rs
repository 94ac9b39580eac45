//! The Home Assistant add-on in `packaging/hassio/` and the add-on repository
//! around it (`repository.yaml`).
//!
//! No Docker engine or Supervisor runs here, so the add-on is checked in two
//! ways. Its files are held to the rules the Supervisor applies when it reads
//! a repository and an add-on; a file it rejects makes the add-on silently
//! vanish from the store, so this is worth a test. The rules are transcribed
//! from home-assistant/supervisor at commit
//! 090ef31ec024952c2469ed5a7c9f3ce8c1a5499e (2026-08-21): `supervisor/apps/`
//! `validate.py` (the config and translation schemas, the map types),
//! `options.py` (the option types), `build.py` (build.yaml is deprecated and
//! BUILD_FROM is passed only with it), `supervisor/store/data.py` (how the
//! add-ons of a repository are found) and `store/validate.py`
//! (repository.yaml). And its `run.sh` is run as the Supervisor would start
//! it — with the bashio the base image carries (`tests/data/bashio/`, v0.17.5)
//! asking a stand-in Supervisor for the options and `/services/mqtt` — with
//! `habitd check-config` in place of `habitd run`, so that habitd itself
//! reports what it was given.

mod common;
#[path = "addon/supervisor.rs"]
mod supervisor;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use serde_json::{Value, json};
use supervisor::{
    CONFIG_SUFFIXES, DEPRECATED_KEYS, KNOWN_KEYS, MAP_TYPES, RE_DOCKER_IMAGE_BUILD,
    RE_SCHEMA_ELEMENT, RE_SERVICE, RE_SLUG, SUPPORTED_ARCH, check_schema_type,
};

const SUPERVISOR_TOKEN: &str = "supervisor-token";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn addon_dir() -> PathBuf {
    root().join("packaging/hassio")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml_at(path: &Path) -> Value {
    serde_saphyr::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(name: &str) -> Value {
    yaml_at(&addon_dir().join(name))
}

fn map(value: &Value) -> &serde_json::Map<String, Value> {
    value.as_object().unwrap()
}

/// The project's public repository, as Cargo.toml names it.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The add-on's options and schema agree, the defaults pass the schema (the
/// Supervisor refuses to start an add-on otherwise), and nothing in it is
/// what the current Supervisor reads as deprecated.
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
        if DEPRECATED_KEYS.contains(&key.as_str()) {
            problems.push(format!("{key}: deprecated"));
        } else if !KNOWN_KEYS.contains(&key.as_str()) {
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
    // The store links the add-on's page to its source.
    let url = config["url"].as_str().unwrap_or_default();
    assert!(
        url.starts_with(&format!("{REPOSITORY}/")),
        "url {url:?} is not in {REPOSITORY}"
    );
    // The oldest Home Assistant habitd supports, as README says.
    let minimum = config["homeassistant"].as_str().unwrap_or_default();
    let readme = read(&root().join("README.md"));
    let supported = minimum.trim_end_matches(".0");
    assert!(
        readme.contains(&format!("**{supported} and later**")),
        "README does not say {supported} is the oldest supported version"
    );
    // run.sh execs habitd, which handles SIGTERM itself: no init in front.
    assert_eq!(config["init"], Value::Bool(false), "init");
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
    // Folders in the current form: {type, read_only, path}; the old
    // "ssl:ro" strings are still migrated, but only as a legacy.
    for volume in config
        .get("map")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(volume) = volume.as_object() else {
            problems.push(format!("map entry {volume} is in the old string form"));
            continue;
        };
        if !volume
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| MAP_TYPES.contains(&t))
        {
            problems.push(format!("map entry {volume:?} has no current type"));
        }
        for (key, value) in volume {
            let fits = match key.as_str() {
                "type" => true,
                "read_only" => value.is_boolean(),
                "path" => value.is_string(),
                _ => false,
            };
            if !fits {
                problems.push(format!("map entry: {key}: {value} is not read"));
            }
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
    // Built on the machine from the Dockerfile, not pulled.
    assert!(
        !config.contains_key("image"),
        "image: nothing publishes one"
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

    // run.sh handles every option, lists as lists.
    let run_sh = read(&addon_dir().join("run.sh"));
    for (key, element) in schema {
        let mapping = if element.is_array() {
            format!("map_list {key} ")
        } else {
            format!("map {key} ")
        };
        if !run_sh
            .lines()
            .any(|line| line.trim_start().starts_with(&mapping))
        {
            problems.push(format!("run.sh does not map option {key} ({mapping:?})"));
        }
    }

    assert!(problems.is_empty(), "config.yaml:\n{}", problems.join("\n"));
}

/// Every translation file is one `SCHEMA_APP_TRANSLATIONS` reads (a file it
/// rejects is dropped with a warning), English and German are there, and
/// each names every option and no other.
#[test]
fn translations_name_every_option() {
    let config = yaml("config.yaml");
    let schema_keys: BTreeSet<&String> = map(&config["schema"]).keys().collect();
    let mut languages = BTreeSet::new();
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(addon_dir().join("translations")).unwrap() {
        let path = entry.unwrap().path();
        let suffix = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !CONFIG_SUFFIXES.contains(&suffix) {
            continue;
        }
        let language = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let translation = yaml_at(&path);
        let names = map(&translation["configuration"]);
        let translated: BTreeSet<&String> = names.keys().collect();
        for missing in schema_keys.difference(&translated) {
            problems.push(format!("{language}: option {missing} has no translation"));
        }
        for extra in translated.difference(&schema_keys) {
            problems.push(format!("{language}: translation {extra} names no option"));
        }
        for (key, text) in names {
            if text["name"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{language}: {key} has no name"));
            }
            if let Some(description) = text.get("description")
                && !(description.is_string() || description.is_null())
            {
                problems.push(format!("{language}: {key}: description is not text"));
            }
        }
        for key in map(&translation).keys() {
            if !["configuration", "network"].contains(&key.as_str()) {
                problems.push(format!("{language}: {key} is not read"));
            }
        }
        languages.insert(language);
    }
    for language in ["en", "de"] {
        if !languages.contains(language) {
            problems.push(format!("no translations/{language}.yaml"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The repository as the Supervisor reads it after cloning: a
/// `repository.yaml` at its root (`SCHEMA_REPOSITORY_CONFIG`), and every
/// `config.{yaml,yml,json}` in any folder not starting with a dot (nor named
/// `rootfs`) read as an add-on — which must be habitd's alone.
#[test]
fn the_repository_is_one_the_supervisor_reads() {
    let repository = yaml_at(&root().join("repository.yaml"));
    let repository = map(&repository);
    assert!(repository["name"].is_string(), "{repository:?}");
    assert_eq!(repository["url"], REPOSITORY);
    let maintainer = repository["maintainer"].as_str().unwrap_or_default();
    assert!(
        Regex::new(r"^[^<>]+ <[^@<>\s]+@[^@<>\s]+\.[a-z]+>$")
            .unwrap()
            .is_match(maintainer),
        "maintainer {maintainer:?}"
    );
    assert!(
        Regex::new(r"^https://github\.com/[\w.-]+/[\w.-]+$")
            .unwrap()
            .is_match(REPOSITORY),
        "Cargo.toml's repository {REPOSITORY:?} is not a repository the Supervisor clones"
    );

    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            if name.starts_with('.') || name == "rootfs" {
                continue;
            }
            if path.is_dir() {
                walk(&path, found);
            } else if path.file_stem().is_some_and(|s| s == "config")
                && path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| CONFIG_SUFFIXES.contains(&e))
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        // target/ is the build's, never in a clone.
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            walk(&path, &mut found);
        }
    }
    assert_eq!(found, [addon_dir().join("config.yaml")]);
}

/// The (width, height) of a PNG file, from its IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR"),
        "{} is not a PNG",
        path.display()
    );
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

/// The store shows icon.png (square, 128 px) and the add-on's page logo.png
/// (250 x 100 px, the size Home Assistant's developer docs ask for).
#[test]
fn icon_and_logo_have_the_stores_sizes() {
    assert_eq!(png_size(&addon_dir().join("icon.png")), (128, 128));
    assert_eq!(png_size(&addon_dir().join("logo.png")), (250, 100));
}

/// The image names of a Dockerfile's FROM lines, with `${ARG}` replaced by
/// the ARG's default; stages named earlier are left out.
fn base_images(dockerfile: &str) -> Vec<String> {
    let mut defaults = std::collections::HashMap::new();
    let mut stages = BTreeSet::new();
    let mut images = Vec::new();
    for line in dockerfile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ARG", arg, ..] => {
                if let Some((name, value)) = arg.split_once('=') {
                    defaults.insert(name.to_owned(), value.to_owned());
                }
            }
            ["FROM", image, rest @ ..] => {
                let mut image = (*image).to_owned();
                for (name, value) in &defaults {
                    image = image.replace(&format!("${{{name}}}"), value);
                }
                let earlier_stage = stages.contains(&image);
                if let [as_, stage] = rest
                    && as_.eq_ignore_ascii_case("AS")
                {
                    stages.insert((*stage).to_owned());
                }
                if !earlier_stage {
                    images.push(image);
                }
            }
            _ => {}
        }
    }
    images
}

/// Podman (and Docker without docker.io as its default) refuses short names:
/// every base image names its registry.
fn fully_qualified(image: &str) -> bool {
    image.split_once('/').is_some_and(|(registry, _)| {
        registry.contains('.') || registry.contains(':') || registry == "localhost"
    }) && !image.contains('$')
}

#[test]
fn every_base_image_is_fully_qualified() {
    for dockerfile in [
        "packaging/hassio/Dockerfile",
        "packaging/container/Dockerfile",
    ] {
        let images = base_images(&read(&root().join(dockerfile)));
        assert!(!images.is_empty(), "{dockerfile}: no FROM");
        for image in images {
            assert!(fully_qualified(&image), "{dockerfile}: {image}");
        }
    }
}

/// The image is built without build.yaml (deprecated since Supervisor
/// 2026.04; without it the Supervisor passes no BUILD_FROM, so the Dockerfile
/// names its base image itself), from the binary bundle.sh builds or the one
/// the release of this version carries.
#[test]
fn the_image_builds_without_build_yaml() {
    for suffix in CONFIG_SUFFIXES {
        let build = addon_dir().join(format!("build.{suffix}"));
        assert!(!build.exists(), "{}: deprecated", build.display());
    }
    let dockerfile = read(&addon_dir().join("Dockerfile"));
    let build_from = Regex::new(r"(?m)^ARG BUILD_FROM=(\S+)\nFROM \$\{BUILD_FROM\}$")
        .unwrap()
        .captures(&dockerfile)
        .unwrap_or_else(|| panic!("no ARG BUILD_FROM=<default> before FROM:\n{dockerfile}"))
        .get(1)
        .unwrap()
        .as_str();
    // The pattern build.yaml's images had to match, and Home Assistant's
    // multi-arch base image (the Supervisor builds with --platform).
    assert!(
        Regex::new(RE_DOCKER_IMAGE_BUILD)
            .unwrap()
            .is_match(build_from),
        "{build_from}"
    );
    assert!(
        build_from.starts_with("ghcr.io/home-assistant/base:"),
        "{build_from}"
    );

    // The binary has one name in all three places.
    let bundle = read(&addon_dir().join("bundle.sh"));
    assert!(
        bundle.contains(r#"cp "$root/target/$target/release/habitd" "$dest/bin/habitd-$arch""#),
        "bundle.sh names its binaries differently"
    );
    assert!(
        dockerfile.contains(r#"binary="/tmp/addon/bin/habitd-${BUILD_ARCH}""#),
        "{dockerfile}"
    );
    let release =
        format!("{REPOSITORY}/releases/download/v${{BUILD_VERSION}}/habitd-${{BUILD_ARCH}}");
    assert!(
        dockerfile.contains(&release),
        "{release} not in\n{dockerfile}"
    );
    // bundle.sh copies the whole add-on folder and builds every architecture.
    assert!(bundle.contains(r#"cp -r "$here/." "$dest/""#), "{bundle}");
    let config = yaml("config.yaml");
    for arch in config["arch"].as_array().unwrap() {
        let arch = arch.as_str().unwrap();
        assert!(
            bundle.contains(&format!("[{arch}]=")),
            "bundle.sh builds no binary for {arch}"
        );
    }

    // The Supervisor shows the changelog when an update is offered.
    let changelog = read(&addon_dir().join("CHANGELOG.md"));
    let version = config["version"].as_str().unwrap();
    assert!(
        changelog.contains(&format!("## {version}\n")),
        "CHANGELOG.md has no entry for {version}"
    );
    let run_sh = read(&addon_dir().join("run.sh"));
    assert!(
        run_sh.starts_with("#!/usr/bin/env bashio\n"),
        "run.sh runs under bashio"
    );
    assert!(
        run_sh.contains("exec \"$habitd\" \"$@\""),
        "run.sh must exec habitd (signals)"
    );
}

/// A Supervisor as bashio asks it: `GET /addons/self/options/config`
/// answered with `options`, `GET /services/mqtt` with `mqtt` (status, body),
/// both only to requests carrying the add-on's token, 401 to others.
fn fake_supervisor(
    options: &serde_json::Map<String, Value>,
    mqtt: (&'static str, Value),
) -> common::http::Server {
    let options = json!({"result": "ok", "data": options});
    common::http::Server::start(move |request| {
        let (status, body) = if request.bearer.as_deref() != Some(SUPERVISOR_TOKEN) {
            (
                "401 Unauthorized",
                json!({"result": "error", "message": "Unauthorized"}),
            )
        } else if request.method() != "GET" {
            (
                "405 Method Not Allowed",
                json!({"result": "error", "message": "read only"}),
            )
        } else if request.path() == "/addons/self/options/config" {
            ("200 OK", options.clone())
        } else if request.path() == "/services/mqtt" {
            (mqtt.0, mqtt.1.clone())
        } else {
            (
                "404 Not Found",
                json!({"result": "error", "message": "not found"}),
            )
        };
        (status, body.to_string().into_bytes())
    })
}

/// The paths the Supervisor was asked for, each once.
fn asked(supervisor: &common::http::Server) -> BTreeSet<String> {
    supervisor
        .requests()
        .iter()
        .map(|line| line.split(' ').nth(1).unwrap_or_default().to_owned())
        .collect()
}

/// The options the Supervisor hands out when the user changes nothing.
fn default_options() -> serde_json::Map<String, Value> {
    map(&yaml("config.yaml")["options"]).clone()
}

/// `run.sh`, started as the Supervisor starts the add-on: through its
/// `#!/usr/bin/env bashio` line, with the Supervisor's address and token,
/// Home Assistant's time zone, and nothing else in the environment. bashio
/// keeps what it asked in a cache folder of this run's own, and logs to
/// stderr (LOG_FD) so that stdout is habitd's alone.
fn addon(dir: &Path, supervisor: &str) -> Command {
    static TOOLS: std::sync::Once = std::sync::Once::new();
    TOOLS.call_once(|| {
        for tool in ["bash", "jq", "curl"] {
            let found = Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "bashio needs {tool} (as in Home Assistant's base images): apt-get install {tool}"
            );
        }
    });
    let bin = dir.join("bin");
    if !bin.exists() {
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(root().join("tests/data/bashio/bashio"), bin.join("bashio"))
            .unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new(addon_dir().join("run.sh"));
    command
        .env_clear()
        .env("PATH", path)
        .env("TZ", "Europe/Berlin")
        .env("SUPERVISOR_TOKEN", SUPERVISOR_TOKEN)
        .env("SUPERVISOR_API", supervisor)
        .env("CACHE_DIR", dir.join("bashio-cache"))
        .env("LOG_FD", "2")
        .env("HABITD_ADDON_DATA", dir)
        .env("HABITD_BIN", env!("CARGO_BIN_EXE_habitd"));
    command
}

/// Runs `run.sh check-config`: (exit code, stdout, stderr).
fn run_addon(dir: &Path, supervisor: &str) -> (Option<i32>, String, String) {
    let output = addon(dir, supervisor).arg("check-config").output().unwrap();
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

fn mosquitto_service() -> (&'static str, Value) {
    (
        "200 OK",
        json!({"result": "ok", "data": {
            "addon": "core_mosquitto", "host": "core-mosquitto", "port": 1883, "ssl": false,
            "protocol": "3.1.1", "username": "addons", "password": "Eeph5aiT"
        }}),
    )
}

#[test]
fn run_sh_gives_habitd_the_options_and_the_supervisors_broker() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = default_options();
    options.insert("window_days".into(), json!(45));
    options.insert("backfill_days".into(), json!(7));
    options.insert("exclude_domains".into(), json!([]));
    options.insert(
        "exclude_entities".into(),
        json!(["sensor.*_battery", "light.hall"]),
    );
    options.insert("deploy_disabled".into(), json!(true));
    options.insert("llm_base_url".into(), json!("http://ollama.local:11434/v1"));
    options.insert("llm_model".into(), json!("llama3.2"));
    options.insert("llm_api_key".into(), json!("sk-never-printed"));
    let supervisor = fake_supervisor(&options, mosquitto_service());

    let (code, stdout, stderr) = run_addon(dir.path(), &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let config = effective(&stdout);

    // The broker the Supervisor named, its password never printed.
    assert_broker(&config, "core-mosquitto", 1883, "addons");
    assert_eq!(config["mqtt"]["tls"]["enabled"].as_bool(), Some(false));
    assert_eq!(
        asked(&supervisor),
        BTreeSet::from([
            "/addons/self/options/config".into(),
            "/services/mqtt".into()
        ])
    );
    // Home Assistant through the Supervisor's proxy; the history of a first
    // start and how deployed automations arrive, as the options say.
    let homeassistant = &config["homeassistant"];
    assert_eq!(
        homeassistant["url"].as_str(),
        Some(format!("{}/core", supervisor.url).as_str())
    );
    assert_eq!(homeassistant["backfill_days"].as_integer(), Some(7));
    assert_eq!(homeassistant["deploy_disabled"].as_bool(), Some(true));
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
    // Lists, including one emptied in the options (habitd's default list
    // must not come back).
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
fn run_sh_turns_backfill_off_with_zero() {
    // 0 is a value, not an option left out: it must reach habitd.
    let dir = tempfile::tempdir().unwrap();
    let mut options = default_options();
    options.insert("backfill_days".into(), json!(0));
    let supervisor = fake_supervisor(&options, mosquitto_service());
    let (code, stdout, stderr) = run_addon(dir.path(), &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let config = effective(&stdout);
    assert_eq!(
        config["homeassistant"]["backfill_days"].as_integer(),
        Some(0)
    );
}

#[test]
fn run_sh_prefers_a_broker_named_in_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not checked until habitd connects").unwrap();
    let mut options = default_options();
    options.insert("mqtt_host".into(), json!("broker.lan"));
    options.insert("mqtt_port".into(), json!(8883));
    options.insert("mqtt_username".into(), json!("habitd"));
    options.insert("mqtt_password".into(), json!("hunter2hunter2"));
    options.insert("mqtt_ca_file".into(), json!(ca));
    let supervisor = fake_supervisor(&options, mosquitto_service());

    let (code, stdout, stderr) = run_addon(dir.path(), &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let config = effective(&stdout);
    assert_broker(&config, "broker.lan", 8883, "habitd");
    assert_eq!(config["mqtt"]["tls"]["ca_file"].as_str(), ca.to_str());
    assert!(!stdout.contains("hunter2hunter2") && !stderr.contains("hunter2hunter2"));
    assert!(
        !asked(&supervisor).contains("/services/mqtt"),
        "the Supervisor was asked for a broker"
    );
}

#[test]
fn run_sh_without_a_broker_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor(
        &default_options(),
        (
            "400 Bad Request",
            json!({"result": "error", "message": "No mqtt service"}),
        ),
    );
    let (code, stdout, stderr) = run_addon(dir.path(), &supervisor.url);
    assert_eq!(code, Some(78), "{stdout}{stderr}");
    assert!(
        stderr.contains("install and start the Mosquitto broker add-on"),
        "{stderr}"
    );
}

#[test]
fn run_sh_names_a_supervisor_that_refuses_it() {
    // A token the Supervisor does not know: no options, so no start on
    // habitd's defaults.
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor(&default_options(), mosquitto_service());
    let output = addon(dir.path(), &supervisor.url)
        .env("SUPERVISOR_TOKEN", "not-the-token")
        .arg("check-config")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains("cannot read the add-on options from the Supervisor"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn run_sh_passes_on_habitds_own_refusal() {
    // The schema takes any string as a topic; habitd refuses a wildcard and
    // names the key, and that reaches the add-on log unchanged.
    let dir = tempfile::tempdir().unwrap();
    let mut options = default_options();
    options.insert("eventstream_topic".into(), json!("ha/#"));
    let supervisor = fake_supervisor(&options, mosquitto_service());
    let (code, _, stderr) = run_addon(dir.path(), &supervisor.url);
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
    // No history to fetch: this test is about starting and stopping.
    let mut options = default_options();
    options.insert("backfill_days".into(), json!(0));
    let supervisor = fake_supervisor(
        &options,
        (
            "200 OK",
            json!({"result": "ok", "data": {
                "addon": "core_mosquitto", "host": "127.0.0.1", "port": broker.port,
                "ssl": false, "protocol": "3.1.1", "username": "addons", "password": "Eeph5aiT"
            }}),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("addon.log")).unwrap();
    let mut command = addon(dir.path(), &supervisor.url);
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
/// Supervisor shows them in its form); they must not drift apart. habitd on
/// its own is given what the add-on sets on purpose (Home Assistant behind
/// the Supervisor); what differs by design (broker, database path, time
/// zone, the review page behind ingress) is left out of the comparison.
#[test]
fn the_addons_defaults_are_habitds_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = fake_supervisor(&default_options(), mosquitto_service());
    let (code, addon_stdout, stderr) = run_addon(dir.path(), &supervisor.url);
    assert_eq!(code, Some(0), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_habitd"))
        .arg("check-config")
        .env_clear()
        .env(
            "HABITD__HOMEASSISTANT__URL",
            format!("{}/core", supervisor.url),
        )
        .env("HABITD__HOMEASSISTANT__TOKEN", SUPERVISOR_TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success());
    let plain_stdout = String::from_utf8_lossy(&output.stdout);

    let comparable = |stdout: &str| {
        let mut config = effective(stdout);
        for section in ["mqtt", "web"] {
            config.remove(section);
        }
        for (section, key) in [("database", "path"), ("analysis", "timezone")] {
            config[section].as_table_mut().unwrap().remove(key);
        }
        config
    };
    let (addon, plain) = (comparable(&addon_stdout), comparable(&plain_stdout));
    assert!(
        addon["homeassistant"].get("backfill_days").is_some(),
        "{addon_stdout}"
    );
    assert_eq!(addon, plain);
}

/// The Debian package's maintainer, in Cargo.toml and in the changelog, is
/// one address on a real mail host: lintian reports
/// `bogus-mail-host-in-debian-changelog` for localhost and the like.
#[test]
fn the_debian_package_names_a_real_maintainer() {
    let manifest: toml::Table = read(&root().join("Cargo.toml")).parse().unwrap();
    let maintainer = manifest["package"]["metadata"]["deb"]["maintainer"]
        .as_str()
        .unwrap();
    let host = Regex::new(r"^[^<>]+ <[^@<>\s]+@([^@<>\s]+)>$")
        .unwrap()
        .captures(maintainer)
        .unwrap_or_else(|| panic!("maintainer {maintainer:?} is not 'Name <address>'"))[1]
        .to_owned();
    assert!(
        host.contains('.')
            && ![
                "localhost",
                "localdomain",
                "example.com",
                "example.org",
                "invalid"
            ]
            .iter()
            .any(|bogus| host == *bogus || host.ends_with(&format!(".{bogus}"))),
        "{host} is not a mail host"
    );
    let changelog = read(&root().join("packaging/deb/changelog"));
    for trailer in changelog.lines().filter(|l| l.starts_with(" -- ")) {
        assert!(
            trailer.starts_with(&format!(" -- {maintainer}  ")),
            "{trailer:?} is not signed by {maintainer}"
        );
    }
}
