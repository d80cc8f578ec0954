//! The KMS blob format against raw AES-256-GCM on the same payload (goal: within 2x).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rampart_crypto::kms::{KeyMaterial, decrypt, encrypt};
use std::collections::BTreeMap;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let material = KeyMaterial::from_bytes(&[0x42; 32]).unwrap();
    let raw = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[0x42; 32]).unwrap());
    let key_id = [0xab; 16];
    let context: BTreeMap<String, String> = [("purpose".to_string(), "bench".to_string())].into();
    for size in [256usize, 4096] {
        let payload = vec![0x5a; size];
        let mut group = c.benchmark_group(format!("encrypt_{size}B"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("rampart_kms_blob", |b| {
            b.iter(|| encrypt(&material, &key_id, 1, black_box(&payload), &context).unwrap())
        });
        group.bench_function("raw_aes_256_gcm", |b| {
            b.iter(|| {
                // Same work a caller of raw AES-GCM does: a fresh random nonce, an output buffer.
                let nonce = rampart_crypto::random_bytes::<NONCE_LEN>().unwrap();
                let mut out = black_box(&payload).clone();
                let tag = raw
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(b"purpose=bench"),
                        &mut out,
                    )
                    .unwrap();
                out.extend_from_slice(tag.as_ref());
                out
            })
        });
        group.finish();
        let blob = encrypt(&material, &key_id, 1, &payload, &context).unwrap();
        c.bench_function(&format!("decrypt_{size}B/rampart_kms_blob"), |b| {
            b.iter(|| decrypt(&material, black_box(&blob), &context).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
