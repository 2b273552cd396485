//! Recovery codes: ten per account, each 80 random bits shown once as
//! `xxxx-xxxx-xxxx-xxxx` (base32, lowercase) and kept as its SHA-256.

use sha2::{Digest as _, Sha256};

/// Codes made at a time.
pub const COUNT: usize = 10;
/// The alphabet (RFC 4648 base32, lowercase): no 0/1/8/9 to mistake.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Characters per code (5 bits each: 80 bits).
const LENGTH: usize = 16;

/// Ten new codes, as shown to the person.
pub fn generate() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let chars: Vec<u8> = (0..LENGTH)
                .map(|_| ALPHABET[usize::from(rand::random::<u8>() & 31)])
                .collect();
            chars
                .chunks(4)
                .map(|group| String::from_utf8_lossy(group).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// What the database keeps of a code as typed: the SHA-256 of its letters
/// and digits, lowercase (dashes, spaces and case do not matter); `None`
/// when it cannot be a code.
pub fn hash(typed: &str) -> Option<String> {
    let normalized: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let valid = normalized.len() == LENGTH && normalized.bytes().all(|b| ALPHABET.contains(&b));
    valid.then(|| {
        Sha256::digest(normalized.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_that_hash_however_typed() {
        let codes = generate();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let code = &codes[0];
        assert_eq!(code.len(), 19);
        let hashed = hash(code).unwrap();
        assert_eq!(hash(&code.to_uppercase()), Some(hashed.clone()));
        assert_eq!(hash(&code.replace('-', " ")), Some(hashed.clone()));
        assert_eq!(hash(&code.replace('-', "")), Some(hashed));
    }

    #[test]
    fn anything_else_is_no_code() {
        for bad in [
            "",
            "abcd-efgh",
            "abcd-efgh-ijkl-mnop-q",
            "abcd-efgh-ijkl-mno1",
            "123456",
        ] {
            assert_eq!(hash(bad), None, "{bad:?}");
        }
    }
}
