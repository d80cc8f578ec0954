//! Sign and Verify of every KMS asymmetric spec, and HMAC, on a 256-byte message, with the
//! key already parsed (the service caches opened keys), and the PKCS #8 parse a cache miss pays.

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_crypto::kms::{AsymmetricSpec, MacKey, MacSpec, Message, PrivateKey};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let message = [0x5a; 256];
    for spec in [
        AsymmetricSpec::Rsa2048,
        AsymmetricSpec::Rsa4096,
        AsymmetricSpec::EccNistP256,
        AsymmetricSpec::EccNistP384,
        AsymmetricSpec::EccNistP521,
        AsymmetricSpec::EccSecgP256k1,
        AsymmetricSpec::MlDsa65,
    ] {
        let key = PrivateKey::generate(spec).unwrap();
        let algorithm = spec.signing_algorithms()[0];
        let signature = key.sign(algorithm, Message::Raw(&message)).unwrap();
        let mut group = c.benchmark_group(spec.name());
        group.bench_function("sign", |b| {
            b.iter(|| {
                key.sign(algorithm, Message::Raw(black_box(&message)))
                    .unwrap()
            })
        });
        group.bench_function("verify", |b| {
            b.iter(|| {
                key.verify(algorithm, Message::Raw(black_box(&message)), &signature)
                    .unwrap()
            })
        });
        group.bench_function("parse_pkcs8", |b| {
            b.iter(|| PrivateKey::from_pkcs8(spec, black_box(key.pkcs8())).unwrap())
        });
        group.finish();
    }
    let mac = MacKey::generate(MacSpec::Hmac256).unwrap();
    c.bench_function("HMAC_256/generate_mac", |b| {
        b.iter(|| mac.sign(black_box(&message)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
