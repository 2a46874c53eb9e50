import Crypto
import Foundation

/// The cryptographic building blocks, all from swift-crypto: X25519 key agreement, HKDF-SHA256,
/// AES-128-GCM for encrypted shares, and AES-128 in counter mode (the keystream of AES-GCM over
/// zeros) as the pseudorandom generator that expands a seed into a mask.
enum Primitives {
    /// Bytes of an X25519 public key.
    static let publicKeyBytes = 32
    /// A 32-byte key derived from `seed` for one purpose and client.
    static func derive(_ seed: SymmetricKey, _ purpose: String, _ client: Int, bytes: Int = 32) -> SymmetricKey {
        var info = Array(purpose.utf8)
        withUnsafeBytes(of: UInt64(client).littleEndian) { info.append(contentsOf: $0) }
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: seed, info: info, outputByteCount: bytes)
    }

    static func bytes(of key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// The symmetric key two parties derive from an X25519 agreement, for one purpose.
    static func agreedKey(_ mine: Curve25519.KeyAgreement.PrivateKey, _ theirs: Curve25519.KeyAgreement.PublicKey,
                          _ purpose: String) -> SymmetricKey {
        // X25519 fails only for low-order points, which honestly generated keys never are.
        let secret = try! mine.sharedSecretFromKeyAgreement(with: theirs)
        return secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: [UInt8](), sharedInfo: Array(purpose.utf8), outputByteCount: 16)
    }

    /// `count` bytes of AES-128-CTR keystream under `key` (AES-GCM's ciphertext of zeros).
    /// `zeros` must hold at least `count` zero bytes; each key must be expanded for one purpose only.
    static func keystream(_ key: SymmetricKey, count: Int, zeros: [UInt8]) -> Data {
        let nonce = try! AES.GCM.Nonce(data: [UInt8](repeating: 0, count: 12))
        return try! AES.GCM.seal(zeros[0..<count], using: key, nonce: nonce).ciphertext
    }

    /// Adds (or subtracts) the mask expanded from `key` to `vector`, modulo 2^64, reading
    /// `wordBytes` (4 or 8) keystream bytes per coordinate.
    static func applyMask(_ key: SymmetricKey, to vector: inout [UInt64], subtract: Bool, wordBytes: Int, zeros: [UInt8]) {
        let stream = keystream(key, count: vector.count * wordBytes, zeros: zeros)
        stream.withUnsafeBytes { raw in
            vector.withUnsafeMutableBufferPointer { v in
                if wordBytes == 4 {
                    add(raw, as: UInt32.self, to: v, subtract: subtract)
                } else {
                    add(raw, as: UInt64.self, to: v, subtract: subtract)
                }
            }
        }
    }

    /// v[i] +/-= word i of `raw`; aligned words let the loop vectorise.
    @inline(__always)
    private static func add<Word: FixedWidthInteger & UnsignedInteger>(_ raw: UnsafeRawBufferPointer, as: Word.Type,
                                                                        to v: UnsafeMutableBufferPointer<UInt64>, subtract: Bool) {
        if Int(bitPattern: raw.baseAddress) % MemoryLayout<Word>.alignment == 0 {
            let words = raw.bindMemory(to: Word.self)
            if subtract { for i in v.indices { v[i] &-= UInt64(words[i]) } } else { for i in v.indices { v[i] &+= UInt64(words[i]) } }
        } else if subtract {
            for i in v.indices { v[i] &-= UInt64(raw.loadUnaligned(fromByteOffset: MemoryLayout<Word>.size * i, as: Word.self)) }
        } else {
            for i in v.indices { v[i] &+= UInt64(raw.loadUnaligned(fromByteOffset: MemoryLayout<Word>.size * i, as: Word.self)) }
        }
    }

    /// `count` field elements (uniform up to a 2^-61 bias) from the keystream of `key`.
    static func fieldElements(_ key: SymmetricKey, count: Int) -> [UInt64] {
        let stream = keystream(key, count: count * 8, zeros: [UInt8](repeating: 0, count: count * 8))
        return stream.withUnsafeBytes { raw in
            (0..<count).map { i in
                let value = raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self) >> 3
                return value == Field61.p ? 0 : value
            }
        }
    }
}
