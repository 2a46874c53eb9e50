import Crypto
import Foundation
import _CryptoExtras

/// The cryptographic building blocks, all from swift-crypto: X25519 key agreement, HKDF-SHA256,
/// AES-128-GCM for encrypted shares, and AES in counter mode (`_CryptoExtras`' AES-CTR, from the
/// counter block AES-GCM starts at under a zero nonce) as the pseudorandom generator that expands
/// a seed into a mask.
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

    /// Keystream bytes produced per call: small enough to be served from malloc's free lists
    /// (a fresh multi-megabyte buffer per mask costs more in page faults than the AES does).
    static let keystreamChunkBytes = 65_536
    private static let zeroChunk = [UInt8](repeating: 0, count: keystreamChunkBytes)

    /// Calls `body` with consecutive pieces of the first `count` bytes of the AES-CTR keystream
    /// under `key` (AES-128 for the 16-byte mask keys; counter block 0^96 || 2, the keystream
    /// AES-GCM encrypts with under an all-zero nonce), and the offset of each piece. Each key
    /// must serve one purpose only.
    @inline(__always)
    static func forEachKeystreamChunk(_ key: SymmetricKey, count: Int, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        var offset = 0
        var counterBlock = [UInt8](repeating: 0, count: 16)
        while offset < count {
            let length = min(keystreamChunkBytes, count - offset)
            let block = UInt32(2 + offset / 16)
            withUnsafeBytes(of: block.bigEndian) { counterBlock.replaceSubrange(12..<16, with: $0) }
            let piece = try! AES._CTR.encrypt(zeroChunk[0..<length], using: key, nonce: AES._CTR.Nonce(nonceBytes: counterBlock))
            piece.withUnsafeBytes { body($0, offset) }
            offset += length
        }
    }

    /// Adds (or subtracts) the mask expanded from `key` to `vector`, modulo 2^(bit width of
    /// `Word`): one keystream word per coordinate. A 32-bit word serves every modulus up to 2^32
    /// and halves the memory the loop streams through.
    static func applyMask<Word: FixedWidthInteger & UnsignedInteger>(_ key: SymmetricKey, to vector: inout [Word], subtract: Bool) {
        let size = MemoryLayout<Word>.size
        precondition(keystreamChunkBytes % size == 0, "whole words per piece")
        vector.withUnsafeMutableBufferPointer { v in
            forEachKeystreamChunk(key, count: v.count * size) { raw, offset in
                // Fresh heap buffers are 16-byte aligned, so the words load aligned and the loop vectorises.
                let words = raw.bindMemory(to: Word.self)
                let target = UnsafeMutableBufferPointer(rebasing: v[(offset / size)...])
                if subtract {
                    for i in words.indices { target[i] &-= words[i] }
                } else {
                    for i in words.indices { target[i] &+= words[i] }
                }
            }
        }
    }

    /// `count` field elements (uniform up to a 2^-61 bias) from the keystream of `key`.
    static func fieldElements(_ key: SymmetricKey, count: Int) -> [UInt64] {
        var elements: [UInt64] = []
        elements.reserveCapacity(count)
        forEachKeystreamChunk(key, count: count * 8) { raw, _ in
            for i in 0..<raw.count / 8 {
                let value = raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self) >> 3
                elements.append(value == Field61.p ? 0 : value)
            }
        }
        return elements
    }
}
