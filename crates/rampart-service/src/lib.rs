//! The contract between the pipeline and services.
