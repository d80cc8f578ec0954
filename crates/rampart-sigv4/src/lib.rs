//! AWS Signature Version 4: parsing and constant-time verification of signed requests.
