//! habitd learns a home's habits from its MQTT events and offers them back as
//! Home Assistant automations. See ARCHITECTURE.md for the map.

#![forbid(unsafe_code)]

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod db;
pub mod demo;
pub mod deploy;
pub mod ha;
pub mod http;
pub mod ingest;
pub mod job;
pub mod llm;
pub mod model;
pub mod mqtt;
pub mod pipeline;
pub mod shutdown;
pub mod suggest;
pub mod surface;
pub mod web;
pub mod z2m;
