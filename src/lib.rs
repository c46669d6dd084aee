//! takedown: provenance registry, copyright complaints and deadline enforcement for a
//! news site that republishes articles under licence.

pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod jobs;
pub mod mail;
pub mod services;
pub mod telemetry;
pub mod web;
