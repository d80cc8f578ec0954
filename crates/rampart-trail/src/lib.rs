//! CloudTrail domain, pure: event records, lookup matching, log files and signed digest chains.
