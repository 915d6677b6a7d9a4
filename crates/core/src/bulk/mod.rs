//! Durable bulk jobs: a spreadsheet in, thousands of requests out, every row accounted for.

pub mod import;
