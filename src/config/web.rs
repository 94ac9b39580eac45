//! The `[web]` section: where the review page listens and who may open it.
//!
//! The page can approve and deploy automations, so it must not be open to
//! the whole network by accident. It listens on the loopback address by
//! default; any other address is refused unless a token protects the page,
//! or unless only one known proxy may connect at all (Home Assistant's
//! ingress proxy, which has already logged the user in).

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::settings::secret;
use super::{ConfigError, Secret};

#[derive(Debug, Deserialize, Serialize)]
pub(super) struct RawWeb {
    enabled: bool,
    listen: String,
    token: String,
    token_file: String,
    ingress_proxy: String,
}

/// The review page's settings; `Config::web` is `None` when it is off.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub listen: SocketAddr,
    /// Asked of every request unless it comes from `ingress_proxy`.
    pub token: Option<Secret>,
    /// When set, the only peer that may connect, and it needs no token.
    pub ingress_proxy: Option<IpAddr>,
}

impl RawWeb {
    /// The section that reads back as `web`: `default`'s values where the
    /// page is off, and `token` as `(token, token_file)`.
    pub(super) fn printed(
        web: Option<&WebConfig>,
        default: RawWeb,
        token: (String, String),
    ) -> RawWeb {
        let (token, token_file) = token;
        match web {
            None => RawWeb {
                enabled: false,
                token,
                token_file,
                ..default
            },
            Some(web) => RawWeb {
                enabled: true,
                listen: web.listen.to_string(),
                token,
                token_file,
                ingress_proxy: web
                    .ingress_proxy
                    .map(|ip| ip.to_string())
                    .unwrap_or_default(),
            },
        }
    }
}

pub(super) fn web(raw: RawWeb) -> Result<Option<WebConfig>, ConfigError> {
    let token = secret("web.token", raw.token, raw.token_file)?.filter(|t| !t.expose().is_empty());
    if !raw.enabled {
        return Ok(None);
    }
    let listen: SocketAddr = raw.listen.trim().parse().map_err(|_| {
        ConfigError::invalid(
            "web.listen",
            format!(
                "{:?} is not an address and port like 127.0.0.1:8099",
                raw.listen
            ),
        )
    })?;
    let ingress_proxy = match raw.ingress_proxy.trim() {
        "" => None,
        text => Some(text.parse::<IpAddr>().map_err(|_| {
            ConfigError::invalid(
                "web.ingress_proxy",
                format!("{text:?} is not an IP address"),
            )
        })?),
    };
    if !listen.ip().is_loopback() && token.is_none() && ingress_proxy.is_none() {
        return Err(ConfigError::invalid(
            "web.listen",
            format!(
                "{listen} is reachable from other machines: set web.token (or web.token_file) \
                 to protect the page, or listen on 127.0.0.1"
            ),
        ));
    }
    Ok(Some(WebConfig {
        listen,
        token,
        ingress_proxy,
    }))
}
