//! Durable bulk jobs: a spreadsheet in, thousands of requests out, every row accounted for.

pub mod checks;
pub mod engine;
pub mod import;
pub mod jobs;
pub mod truecaller;
pub mod whatsapp;
