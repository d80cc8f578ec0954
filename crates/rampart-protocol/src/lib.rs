//! AWS wire protocols: routing, decoding and encoding for awsQuery, awsJson, restJson1, restXml and rpc-v2-cbor.
